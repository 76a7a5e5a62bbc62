"""Behler–Parrinello symmetry functions written out term by term (slow, for tests only).

Behler, J. Chem. Phys. 134, 074106 (2011), eqs. 6, 8 and 9, with the triple sum over *ordered*
neighbour pairs (j, k), k ≠ j, as printed there. atomforge counts each unordered pair once, so
its G4/G5 equal half of these sums: the tests apply that factor explicitly.
"""

from __future__ import annotations

import math

import numpy as np

from .neighbors import brute_force_pairs


def cutoff_function(name: str, r: float, rc: float) -> float:
    """f_c(r) of Singraber, J. Chem. Theory Comput. 15, 1827 (2019), zero beyond rc."""
    if r >= rc:
        return 0.0
    x = r / rc
    if name == "cosine":
        return 0.5 * (math.cos(math.pi * x) + 1.0)
    if name == "tanh":
        return math.tanh(1.0 - x) ** 3
    if name == "poly1":
        return (2.0 * x - 3.0) * x**2 + 1.0
    if name == "poly2":
        return ((15.0 - 6.0 * x) * x - 10.0) * x**3 + 1.0
    if name == "poly3":
        return (((20.0 * x - 70.0) * x + 84.0) * x - 35.0) * x**4 + 1.0
    if name == "poly4":
        return ((((315.0 - 70.0 * x) * x - 540.0) * x + 420.0) * x - 126.0) * x**5 + 1.0
    raise ValueError(name)


def neighbours(atoms, rc):
    """Per atom: list of (vector r_j + shift − r_i, neighbour index j)."""
    pairs = brute_force_pairs(atoms.positions, atoms.cell.array, atoms.pbc, rc)
    out = [[] for _ in range(len(atoms))]
    cell = atoms.cell.array
    for (i, j, *s), _ in sorted(pairs.items()):
        out[i].append((atoms.positions[j] + np.asarray(s, float) @ cell - atoms.positions[i], j))
    return out


def symmetry_functions(atoms, rc, fc, g2, g4, g5, channel, pair_channel, n_channels, weight=None):
    """G2, G4, G5 of every atom by explicit loops.

    Parameters
    ----------
    g2 : list of (eta 1/Å², Rs Å); g4, g5 : list of (eta 1/Å², zeta, lambda)
    channel : callable j → channel of neighbour j for G2 (its element index)
    pair_channel : callable (j, k) → channel of the pair for G4/G5
    n_channels : (number of G2 channels, number of G4/G5 channels)
    weight : callable j → neighbour weight (default 1)

    Returns
    -------
    ndarray, shape (n_atoms, n_features): [G2 by (channel, parameter), G4 likewise, G5 likewise],
    G4/G5 summed over ordered pairs (j, k), k ≠ j.
    """
    weight = weight or (lambda j: 1.0)
    n2, n4 = n_channels
    f = lambda r: cutoff_function(fc, r, rc)  # noqa: E731
    out = []
    for env in neighbours(atoms, rc):
        a = np.zeros(n2 * len(g2))
        b = np.zeros(n4 * len(g4))
        c = np.zeros(n4 * len(g5))
        for nj, (dj, j) in enumerate(env):
            rj = np.linalg.norm(dj)
            for p, (eta, rs) in enumerate(g2):
                a[channel(j) * len(g2) + p] += weight(j) * math.exp(-eta * (rj - rs) ** 2) * f(rj)
            for nk, (dk, k) in enumerate(env):
                if nk == nj:
                    continue
                rk = np.linalg.norm(dk)
                rjk = np.linalg.norm(dk - dj)
                cos = dj @ dk / (rj * rk)
                w = weight(j) * weight(k)
                ch = pair_channel(j, k)
                for p, (eta, zeta, lam) in enumerate(g4):
                    b[ch * len(g4) + p] += (w * 2.0 ** (1 - zeta) * (1 + lam * cos) ** zeta
                                            * math.exp(-eta * (rj**2 + rk**2 + rjk**2))
                                            * f(rj) * f(rk) * f(rjk))
                for p, (eta, zeta, lam) in enumerate(g5):
                    c[ch * len(g5) + p] += (w * 2.0 ** (1 - zeta) * (1 + lam * cos) ** zeta
                                            * math.exp(-eta * (rj**2 + rk**2)) * f(rj) * f(rk))
        out.append(np.concatenate([a, b, c]))
    return np.array(out)
