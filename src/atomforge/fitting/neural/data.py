"""Training structures as one block of arrays: descriptors, sparse gradients and labels, computed once.

Atoms of all structures are concatenated, and the sparse gradient rows are grouped by center
(:func:`atomforge.chain_rule.contract`'s grouped form): row i of ``grad`` holds the pairs of atom i in
``max_pairs`` slots (the largest count over all atoms), unused slots zero and pointing at i itself.
Atom indices in ``neighbors`` are global. :meth:`TrainingArrays.subset` takes structures (repeats
allowed, for bootstrap samples) and renumbers them; :meth:`TrainingArrays.tensors` gives the torch
tensors the loss works on.
Labels are those of the frames less the pair term's (ZBL) contribution, as in the least-squares path.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from ...units import EV_A3_TO_GPA
from ..weights import ENERGY, FORCE, STRESS, FitWeights


@dataclass
class TrainingArrays:
    """Descriptors and labels of n_structures structures.

    Attributes
    ----------
    values : (n_atoms, n_features); elem : (n_atoms,) int64, species index; atom_structure : (n_atoms,) int64
    neighbors : (n_atoms, max_pairs) int64, global atom indices; grad : (n_atoms, max_pairs, 3, n_features)
    1/Å, ∂B_i/∂r_j; vectors : (n_atoms, max_pairs, 3) Å
    energy : (n_structures,) eV, total; n_atoms : (n_structures,) int64; volume : (n_structures,) Å³
    forces : (n_atoms, 3) eV/Å; stress : (n_structures, 6) GPa, ASE sign
    weights : (n_structures, 3): row weights of energy, force and stress (0 where there is no label)
    counts : (n_structures, n_species) int64: atoms of each element
    """

    values: np.ndarray
    elem: np.ndarray
    atom_structure: np.ndarray
    neighbors: np.ndarray
    grad: np.ndarray
    vectors: np.ndarray
    energy: np.ndarray
    n_atoms: np.ndarray
    volume: np.ndarray
    forces: np.ndarray
    stress: np.ndarray
    weights: np.ndarray
    counts: np.ndarray

    @property
    def n_structures(self) -> int:
        return len(self.energy)

    @classmethod
    def build(cls, frames, outputs, elem_of, weights: FitWeights, n_species: int, pair=None):
        """From frames, their descriptor outputs (with gradients) and ``elem_of(numbers)`` → species index."""
        n_atoms = np.array([o.n_atoms for o in outputs], dtype=np.int64)
        max_pairs = max(int(np.bincount(o.pairs[:, 0]).max()) for o in outputs)
        n, nf = int(n_atoms.sum()), outputs[0].n_features
        grad = np.zeros((n, max_pairs, 3, nf))
        vectors = np.zeros((n, max_pairs, 3))
        neighbors = np.repeat(np.arange(n, dtype=np.int64)[:, None], max_pairs, axis=1)
        parts = {k: [] for k in ("values", "elem", "energy", "volume", "forces", "stress", "weights", "counts")}
        offset = 0
        for frame, out in zip(frames, outputs):
            atoms = frame.atoms
            m = out.n_atoms
            elem = elem_of(out.numbers)
            ref_e, ref_f, ref_s = (pair.evaluate(atoms) if pair is not None
                                   else (np.zeros(m), np.zeros((m, 3)), np.zeros(6)))
            periodic = bool(atoms.pbc.all())
            w = weights.row_weights(np.array([ENERGY, FORCE, STRESS]), frame.group, frame.weight)
            w = w * np.array([frame.energy is not None, frame.forces is not None,
                              frame.stress is not None and periodic])
            i, j = out.pairs[:, 0], out.pairs[:, 1]
            slot = np.arange(len(i)) - np.searchsorted(i, i)  # position of each pair among its center's (sorted by i)
            grad[offset + i, slot] = out.grad.transpose(0, 2, 1)
            vectors[offset + i, slot] = out.vectors
            neighbors[offset + i, slot] = offset + j
            parts["values"].append(out.values)
            parts["elem"].append(elem)
            parts["energy"].append((frame.energy if frame.energy is not None else 0.0) - ref_e.sum())
            parts["volume"].append(atoms.get_volume() if periodic else 1.0)
            parts["forces"].append((frame.forces if frame.forces is not None else np.zeros((m, 3))) - ref_f)
            stress = frame.stress if w[2] > 0 else np.zeros(6)
            parts["stress"].append((np.asarray(stress) - (ref_s if ref_s is not None else 0.0)) * EV_A3_TO_GPA)
            parts["weights"].append(w)
            parts["counts"].append(np.bincount(elem, minlength=n_species))
            offset += m
        return cls(values=np.concatenate(parts["values"]).astype(float),
                   elem=np.concatenate(parts["elem"]).astype(np.int64),
                   atom_structure=np.repeat(np.arange(len(outputs), dtype=np.int64), n_atoms),
                   neighbors=neighbors, grad=grad, vectors=vectors,
                   energy=np.array(parts["energy"], dtype=float), n_atoms=n_atoms,
                   volume=np.array(parts["volume"], dtype=float),
                   forces=np.concatenate(parts["forces"]).astype(float),
                   stress=np.array(parts["stress"], dtype=float), weights=np.array(parts["weights"], dtype=float),
                   counts=np.array(parts["counts"], dtype=np.int64))

    def subset(self, structures) -> "TrainingArrays":
        """The structures ``structures`` (indices, repeats allowed) as a set of their own; all of them in
        order is ``self`` (no copy: first-touch copies of the gradient rows cost seconds per GB)."""
        structures = np.asarray(structures, dtype=np.int64)
        if np.array_equal(structures, np.arange(self.n_structures)):
            return self
        atom_start = np.concatenate([[0], np.cumsum(self.n_atoms)])
        atoms = np.concatenate([np.arange(atom_start[s], atom_start[s + 1]) for s in structures])
        new_start = np.concatenate([[0], np.cumsum(self.n_atoms[structures])])[:-1]
        shift = np.repeat(new_start - atom_start[structures], self.n_atoms[structures])  # old → new atom index
        return TrainingArrays(
            values=self.values[atoms], elem=self.elem[atoms],
            atom_structure=np.repeat(np.arange(len(structures)), self.n_atoms[structures]),
            neighbors=self.neighbors[atoms] + shift[:, None], grad=self.grad[atoms], vectors=self.vectors[atoms],
            energy=self.energy[structures], n_atoms=self.n_atoms[structures], volume=self.volume[structures],
            forces=self.forces[atoms], stress=self.stress[structures], weights=self.weights[structures],
            counts=self.counts[structures])

    def tensors(self) -> dict:
        """The arrays as torch tensors (float64, int64), by attribute name."""
        import torch

        return {f.name: torch.from_numpy(np.ascontiguousarray(getattr(self, f.name))) for f in fields(self)}
