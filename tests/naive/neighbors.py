"""Brute-force neighbor enumeration: every atom pair under every lattice shift that can reach."""

from __future__ import annotations

import itertools

import numpy as np


def brute_force_pairs(positions, cell, pbc, cutoff):
    """All (i, j, shift) with 0 < |r_j + shift·cell − r_i| < cutoff.

    Returns
    -------
    dict mapping (i, j, s0, s1, s2) → distance (Å)
    """
    positions = np.asarray(positions, dtype=float)
    cell = np.asarray(cell, dtype=float)
    ranges = []
    volume = abs(np.linalg.det(cell)) if all(pbc) else None
    for k in range(3):
        if not pbc[k]:
            ranges.append([0])
            continue
        # distance between lattice planes normal to the other two vectors
        if volume is not None:
            cross = np.cross(cell[(k + 1) % 3], cell[(k + 2) % 3])
            spacing = volume / np.linalg.norm(cross)
        else:
            others = [cell[m] for m in range(3) if m != k and pbc[m]]
            v = cell[k]
            for o in others:  # project out the periodic partners
                v = v - (v @ o) / (o @ o) * o
            spacing = np.linalg.norm(v)
        extent = np.ptp(positions @ np.linalg.pinv(cell)[:, k]) if len(positions) > 1 else 0.0
        n = int(np.ceil(cutoff / spacing + extent)) + 1
        ranges.append(range(-n, n + 1))
    out = {}
    for shift in itertools.product(*ranges):
        offset = np.asarray(shift, dtype=float) @ cell
        d = positions[None, :, :] + offset - positions[:, None, :]  # (i, j, 3)
        dist = np.linalg.norm(d, axis=-1)
        for i, j in zip(*np.nonzero((dist < cutoff) & (dist > 0))):
            out[(int(i), int(j), *shift)] = float(dist[i, j])
    return out
