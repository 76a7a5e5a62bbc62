"""The embedded atom density from its pair form (slow, for tests only).

ρ_i[L, a] = r_c^(−2L) Σ_j Σ_k w_j w_k φ_a(r_ij) φ_a(r_ik) (r_ij · r_ik)^L, φ_a(r) = exp(−η (r − R_s)²) f_c(r):
the multinomial expansion of (r_ij · r_ik)^L gives the squared Cartesian sums of the definition,
so this form shares no code path with atomforge's monomials.
"""

from __future__ import annotations


import numpy as np

from .acsf import cutoff_function, neighbours


def embedded_atom_density(atoms, rc, fc, lmax, etas, rs, weight):
    """ρ of every atom, shape (n_atoms, (lmax + 1)·len(etas)·len(rs)), features ordered (L, η, R_s)."""
    out = []
    for env in neighbours(atoms, rc):
        d = np.array([v for v, _ in env]).reshape(-1, 3)
        r = np.linalg.norm(d, axis=1)
        w = np.array([weight(j) for _, j in env])
        f = np.array([cutoff_function(fc, x, rc) for x in r])
        dots = d @ d.T
        row = []
        for big in range(lmax + 1):
            for eta in etas:
                for s in rs:
                    phi = w * np.exp(-eta * (r - s) ** 2) * f
                    row.append(float(phi @ dots**big @ phi) / rc ** (2 * big))
        out.append(row)
    return np.array(out)
