"""A small descriptor for tests that must not depend on a production descriptor.

``RadialGaussians``: B_ik = Σ_j exp(−η (r_ij − μ_k)²) f_c(r_ij), f_c(r) = ½(cos(π r / r_c) + 1),
summed over every neighbor image j within r_c (of any element), with μ_k evenly spaced in [0.5, r_c]. Gradients follow
the Descriptor protocol of ``atomforge.descriptors.base``: one row +∂B_i/∂r_j per neighbor image and one
self row ∂B_i/∂r_i = −Σ_j ∂B_i/∂r_j.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from atomforge.descriptors.base import DescriptorBase, DescriptorOutput, as_frame, element_types
from atomforge.neighbors import neighbor_list


class RadialGaussians(DescriptorBase):
    name: ClassVar[str] = "toy-radial"

    def __init__(self, *, elements: list[str], cutoff: float = 4.0, n_features: int = 6, eta: float = 4.0):
        self.elements, self.cutoff, self.n_features, self.eta = list(elements), cutoff, n_features, eta

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(f"G[mu={m:.3f}]" for m in self._centers())

    def _centers(self) -> np.ndarray:
        return np.linspace(0.5, self.cutoff, self.n_features)

    def compute(self, frame, *, gradients: bool = False) -> DescriptorOutput:
        frame = as_frame(frame)
        element_types(frame, self.elements)  # refuses elements it was not built for
        atoms = frame.atoms
        n = len(atoms)
        nl = neighbor_list(atoms, self.cutoff)
        r = nl.distances[:, None]  # (n_pairs, 1)
        mu = self._centers()[None, :]
        gauss = np.exp(-self.eta * (r - mu) ** 2)
        fc = 0.5 * (np.cos(np.pi * r / self.cutoff) + 1.0)
        g = gauss * fc  # (n_pairs, n_features)
        values = np.zeros((n, self.n_features))
        np.add.at(values, nl.i, g)
        numbers = np.asarray(atoms.numbers, dtype=np.int64)
        if not gradients:
            return DescriptorOutput(values, numbers)
        dfc = -0.5 * np.pi / self.cutoff * np.sin(np.pi * r / self.cutoff)
        dg = gauss * (-2.0 * self.eta * (r - mu) * fc + dfc)  # dG/dr, (n_pairs, n_features)
        grad_nb = dg[:, :, None] * (nl.vectors / r)[:, None, :]  # (n_pairs, n_features, 3)
        grad_self = np.zeros((n, self.n_features, 3))
        np.add.at(grad_self, nl.i, -grad_nb)
        centers = np.concatenate([nl.i, np.arange(n)])
        neighbors = np.concatenate([nl.j, np.arange(n)])
        order = np.argsort(centers, kind="stable")
        pairs = np.stack([centers, neighbors], axis=1)[order]
        grad = np.concatenate([grad_nb, grad_self])[order]
        vectors = np.concatenate([nl.vectors, np.zeros((n, 3))])[order]
        return DescriptorOutput(values, numbers, pairs, grad, vectors)
