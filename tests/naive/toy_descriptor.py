"""A small radial descriptor with exact sparse gradients, used to test models, fits and potentials
independently of the bispectrum: B_ik = Σ_j w_j exp(−η_k r_ij²) f_c(r_ij), f_c = ½(cos(π r/r_c) + 1)."""

from __future__ import annotations

import numpy as np

from atomforge.descriptors import DESCRIPTORS
from atomforge.descriptors.base import DescriptorOutput, as_frame
from atomforge.neighbors import neighbor_list


class ToyRadial:
    name = "toy_radial"

    def __init__(self, *, cutoff=4.0, etas=(0.2, 0.5, 1.0), weights=None):
        self.cutoff = float(cutoff)
        self.etas = tuple(float(e) for e in etas)
        self.weights = dict(weights or {})
        self.n_features = len(self.etas)
        self.feature_names = tuple(f"G[eta={e}]" for e in self.etas)

    def to_dict(self):
        return {"cutoff": self.cutoff, "etas": list(self.etas), "weights": self.weights}

    @classmethod
    def from_dict(cls, spec):
        spec = {k: v for k, v in spec.items() if k != "name"}
        return cls(**spec)

    def compute(self, frame, *, gradients=False):
        atoms = as_frame(frame).atoms
        n = len(atoms)
        nl = neighbor_list(atoms, self.cutoff)
        eta = np.array(self.etas)
        r = nl.distances[:, None]
        w = np.array([self.weights.get(s, 1.0) for s in atoms.get_chemical_symbols()])[nl.j][:, None]
        fc = 0.5 * (np.cos(np.pi * r / self.cutoff) + 1)
        dfc = -0.5 * np.pi / self.cutoff * np.sin(np.pi * r / self.cutoff)
        g = np.exp(-eta * r**2)
        f = w * g * fc  # (n_pairs, nf)
        values = np.zeros((n, len(eta)))
        for k in range(len(eta)):
            values[:, k] = np.bincount(nl.i, weights=f[:, k], minlength=n)
        numbers = atoms.numbers.astype(np.int64)
        if not gradients:
            return DescriptorOutput(values, numbers)
        df = w * (g * dfc - 2 * eta * r * g * fc)  # (n_pairs, nf) d f / d r
        gpair = df[:, :, None] * (nl.vectors / r)[:, None, :]  # ∂B_i/∂r_j
        gself = np.zeros((n, len(eta), 3))
        np.add.at(gself, nl.i, -gpair)
        pairs = np.concatenate([np.column_stack([nl.i, nl.j]), np.column_stack([np.arange(n)] * 2)])
        grad = np.concatenate([gpair, gself])
        vectors = np.concatenate([nl.vectors, np.zeros((n, 3))])
        order = np.argsort(pairs[:, 0], kind="stable")
        return DescriptorOutput(values, numbers, pairs[order].astype(np.int64), grad[order], vectors[order])


DESCRIPTORS.setdefault(ToyRadial.name, ToyRadial)
