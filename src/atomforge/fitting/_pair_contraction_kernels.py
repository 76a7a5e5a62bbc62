"""Numba kernels of the gradient-based trainers: contractions of sparse pair gradients.

``grad[p] = ∂B_i/∂r_j`` (n_pairs, n_features, 3) with pairs sorted by center; ``starts`` (n_atoms + 1)
gives each center's rows (atoms without kept rows have an empty range).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True, fastmath=False, parallel=True)
def pair_forces(d, grad, starts):
    """g_p = Σ_k d[i_p, k] grad[p, k, :], shape (n_pairs, 3): ∂E_i/∂r_j of each pair."""
    n_atoms, n_feat = d.shape
    g = np.zeros((grad.shape[0], 3))
    for i in prange(n_atoms):
        for p in range(starts[i], starts[i + 1]):
            for k in range(n_feat):
                dk = d[i, k]
                for c in range(3):
                    g[p, c] += dk * grad[p, k, c]
    return g


@njit(cache=True, fastmath=False, parallel=True)
def pair_backward(b, grad, starts, n_atoms):
    """D[i, k] = Σ_{p of center i} Σ_c b[p, c] grad[p, k, c], shape (n_atoms, n_features)."""
    n_feat = grad.shape[1]
    out = np.zeros((n_atoms, n_feat))
    for i in prange(n_atoms):
        for p in range(starts[i], starts[i + 1]):
            for k in range(n_feat):
                out[i, k] += b[p, 0] * grad[p, k, 0] + b[p, 1] * grad[p, k, 1] + b[p, 2] * grad[p, k, 2]
    return out
