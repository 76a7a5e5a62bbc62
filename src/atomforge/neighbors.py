"""Neighbor lists: one function, over vesin.

Full lists (each pair appears as i→j and j→i), periodic images as separate pairs, triclinic
cells, cutoffs larger than the cell, non-periodic molecules and mixed boundary conditions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import vesin
from ase import Atoms


@dataclass(frozen=True)
class NeighborList:
    """Pairs within the cutoff, sorted by center ``i`` then neighbor ``j``.

    Attributes
    ----------
    i, j : ndarray, shape (n_pairs,), int64
        Center and neighbor indices (neighbor may be a periodic image, even of ``i`` itself).
    shifts : ndarray, shape (n_pairs, 3), int64
        Cell shift of the neighbor image: ``vectors = positions[j] + shifts @ cell - positions[i]``.
    vectors : ndarray, shape (n_pairs, 3), Å
    distances : ndarray, shape (n_pairs,), Å
    """

    i: np.ndarray
    j: np.ndarray
    shifts: np.ndarray
    vectors: np.ndarray
    distances: np.ndarray

    @property
    def n_pairs(self) -> int:
        return len(self.i)

    def offsets(self, n_atoms: int) -> np.ndarray:
        """Start of each center's pairs: ``offsets[i]:offsets[i+1]``, shape (n_atoms + 1,)."""
        counts = np.bincount(self.i, minlength=n_atoms)
        out = np.zeros(n_atoms + 1, dtype=np.int64)
        np.cumsum(counts, out=out[1:])
        return out


def neighbor_list(atoms: Atoms, cutoff: float) -> NeighborList:
    """Full neighbor list of ``atoms`` within ``cutoff`` (Å).

    Along a non-periodic direction the cell vector is ignored (it may be zero).
    """
    if cutoff <= 0:
        raise ValueError(f"cutoff must be positive, got {cutoff}")
    positions = np.ascontiguousarray(atoms.positions, dtype=np.float64)
    pbc = np.asarray(atoms.pbc, dtype=bool)
    box = np.array(atoms.cell.array, dtype=np.float64)
    if not pbc.any():
        box = np.zeros((3, 3))
    if len(positions) == 0:
        e = np.zeros(0, dtype=np.int64)
        return NeighborList(e, e, np.zeros((0, 3), np.int64), np.zeros((0, 3)), np.zeros(0))
    calc = vesin.NeighborList(cutoff=float(cutoff), full_list=True, sorted=True)
    i, j, s, d, dist = calc.compute(positions, box, pbc.tolist(), "ijSDd")
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    s = np.asarray(s, dtype=np.int64).reshape(-1, 3)
    d = np.asarray(d, dtype=np.float64).reshape(-1, 3)
    dist = np.asarray(dist, dtype=np.float64)
    order = np.lexsort((s[:, 2], s[:, 1], s[:, 0], j, i))
    return NeighborList(i[order], j[order], s[order], d[order], dist[order])
