"""Training structures as one block of arrays: descriptors, sparse gradients and labels, computed once.

Atoms and pairs of all structures are concatenated; atom indices in ``centers``/``neighbors`` are
global. :meth:`TrainingArrays.subset` takes structures (repeats allowed, for bootstrap samples) and
renumbers them; :meth:`TrainingArrays.tensors` gives the torch tensors the loss works on.
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
    centers, neighbors : (n_pairs,) int64, global atom indices; grad : (n_pairs, n_features, 3) 1/Å;
    vectors : (n_pairs, 3) Å; pair_structure : (n_pairs,) int64
    energy : (n_structures,) eV, total; n_atoms : (n_structures,) int64; volume : (n_structures,) Å³
    forces : (n_atoms, 3) eV/Å; stress : (n_structures, 6) GPa, ASE sign
    weights : (n_structures, 3): row weights of energy, force and stress (0 where there is no label)
    counts : (n_structures, n_species) int64: atoms of each element
    """

    values: np.ndarray
    elem: np.ndarray
    atom_structure: np.ndarray
    centers: np.ndarray
    neighbors: np.ndarray
    grad: np.ndarray
    vectors: np.ndarray
    pair_structure: np.ndarray
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
        parts = {f.name: [] for f in fields(cls)}
        atom_offset = 0
        for s, (frame, out) in enumerate(zip(frames, outputs)):
            atoms = frame.atoms
            n = len(atoms)
            elem = elem_of(out.numbers)
            ref_e, ref_f, ref_s = (pair.evaluate(atoms) if pair is not None
                                   else (np.zeros(n), np.zeros((n, 3)), np.zeros(6)))
            periodic = bool(atoms.pbc.all())
            w = weights.row_weights(np.array([ENERGY, FORCE, STRESS]), frame.group, frame.weight)
            w = w * np.array([frame.energy is not None, frame.forces is not None,
                              frame.stress is not None and periodic])
            parts["values"].append(out.values)
            parts["elem"].append(elem)
            parts["atom_structure"].append(np.full(n, s))
            parts["centers"].append(out.pairs[:, 0] + atom_offset)
            parts["neighbors"].append(out.pairs[:, 1] + atom_offset)
            parts["grad"].append(out.grad)
            parts["vectors"].append(out.vectors)
            parts["pair_structure"].append(np.full(len(out.pairs), s))
            parts["energy"].append((frame.energy if frame.energy is not None else 0.0) - ref_e.sum())
            parts["n_atoms"].append(n)
            parts["volume"].append(atoms.get_volume() if periodic else 1.0)
            parts["forces"].append((frame.forces if frame.forces is not None else np.zeros((n, 3))) - ref_f)
            stress = frame.stress if w[2] > 0 else np.zeros(6)
            parts["stress"].append((np.asarray(stress) - (ref_s if ref_s is not None else 0.0)) * EV_A3_TO_GPA)
            parts["weights"].append(w)
            parts["counts"].append(np.bincount(elem, minlength=n_species))
            atom_offset += n
        stacked = {k: (np.concatenate(v) if k in _PER_ATOM_OR_PAIR else np.array(v)) for k, v in parts.items()}
        for k in ("elem", "atom_structure", "centers", "neighbors", "pair_structure", "n_atoms", "counts"):
            stacked[k] = stacked[k].astype(np.int64)
        return cls(**{k: (v.astype(float) if v.dtype.kind == "f" else v) for k, v in stacked.items()})

    def subset(self, structures) -> "TrainingArrays":
        """The structures ``structures`` (indices, repeats allowed) as a set of their own."""
        structures = np.asarray(structures, dtype=np.int64)
        atom_start = np.concatenate([[0], np.cumsum(self.n_atoms)])
        n_pairs = np.bincount(self.pair_structure, minlength=self.n_structures)
        pair_start = np.concatenate([[0], np.cumsum(n_pairs)])
        atoms = np.concatenate([np.arange(atom_start[s], atom_start[s + 1]) for s in structures])
        pairs = np.concatenate([np.arange(pair_start[s], pair_start[s + 1]) for s in structures])
        new_start = np.concatenate([[0], np.cumsum(self.n_atoms[structures])])[:-1]
        shift = np.repeat(new_start - atom_start[structures], n_pairs[structures])  # old → new atom index
        return TrainingArrays(
            values=self.values[atoms], elem=self.elem[atoms],
            atom_structure=np.repeat(np.arange(len(structures)), self.n_atoms[structures]),
            centers=self.centers[pairs] + shift, neighbors=self.neighbors[pairs] + shift,
            grad=self.grad[pairs], vectors=self.vectors[pairs],
            pair_structure=np.repeat(np.arange(len(structures)), n_pairs[structures]),
            energy=self.energy[structures], n_atoms=self.n_atoms[structures], volume=self.volume[structures],
            forces=self.forces[atoms], stress=self.stress[structures], weights=self.weights[structures],
            counts=self.counts[structures])

    def tensors(self) -> dict:
        """The arrays as torch tensors (float64, int64), by attribute name."""
        import torch

        return {f.name: torch.from_numpy(np.ascontiguousarray(getattr(self, f.name))) for f in fields(self)}


_PER_ATOM_OR_PAIR = {"values", "elem", "atom_structure", "centers", "neighbors", "grad", "vectors",
                     "pair_structure", "forces"}
