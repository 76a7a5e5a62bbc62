"""Numba kernel: position derivatives of the linear/quadratic model terms, summed per neighbor atom and element block."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, fastmath=False)
def term_gradients(values, pairs, grad, vectors, offsets, quadratic, n_atoms, n_columns):
    """Σ_i ∂t(B_i)/∂r_j per neighbor j and the virial Σ_p ∂t/∂r_j ⊗ d_p, for every column.

    Parameters
    ----------
    values : (n_atoms, n_features) descriptor values B_i
    pairs : (n_pairs, 2) int64 center i, neighbor j
    grad : (n_pairs, n_features, 3) ∂B_i/∂r_j, 1/Å
    vectors : (n_pairs, 3) r_j − r_i of the image, Å
    offsets : (n_atoms,) int64 column of the first term (after the constant) of each atom's element
    quadratic : bool  add the terms ½B_k² (k = l) and B_k B_l (k < l)

    Returns
    -------
    dt : (n_atoms, 3, n_columns)  ∂(Σ_i t(B_i))/∂r_j, 1/Å
    virial : (3, 3, n_columns)  Σ_p ∂t(B_i)/∂r_j ⊗ d_p (dimensionless per feature unit)
    """
    nf = values.shape[1]
    dt = np.zeros((n_atoms, 3, n_columns))
    virial = np.zeros((3, 3, n_columns))
    for p in range(pairs.shape[0]):
        i = pairs[p, 0]
        j = pairs[p, 1]
        off = offsets[i]
        for k in range(nf):
            for c in range(3):
                g = grad[p, k, c]
                dt[j, c, off + k] += g
                for d in range(3):
                    virial[c, d, off + k] += g * vectors[p, d]
        if quadratic:
            col = off + nf
            for k in range(nf):
                bk = values[i, k]
                for l in range(k, nf):
                    bl = values[i, l]
                    for c in range(3):
                        if l == k:
                            g = bk * grad[p, k, c]
                        else:
                            g = bk * grad[p, l, c] + bl * grad[p, k, c]
                        dt[j, c, col] += g
                        for d in range(3):
                            virial[c, d, col] += g * vectors[p, d]
                    col += 1
    return dt, virial
