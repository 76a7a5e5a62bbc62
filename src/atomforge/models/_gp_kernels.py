"""Numba kernel: position derivatives of the kernel columns of a sparse GP, summed per neighbor atom."""

from __future__ import annotations

from numba import njit


@njit(cache=True, fastmath=False)
def scatter_pair_columns(pairs, vectors, a, b, zg, xg, out, virial):
    """Add Σ_p [a_im zg_pcm + b_im xg_pc] to ``out[j, c, m]`` and its ⊗ d_p to ``virial[c, d, m]``.

    With ∂k(x_i, z_m)/∂B_i = (a_im z_m + b_im x_i)/s (s the feature scale), the term of pair
    p = (i, j) is ∂k(x_i, z_m)/∂r_j when ``zg[p, c, m] = Σ_k grad[p, k, c] z_mk / s_k`` and
    ``xg[p, c] = Σ_k grad[p, k, c] x_ik / s_k``.

    Parameters
    ----------
    pairs : (n_pairs, 2) int64 center i, neighbor j
    vectors : (n_pairs, 3) r_j − r_i of the image, Å
    a, b : (n_atoms, n_columns) gradient coefficients of the kernel (:mod:`atomforge.models.kernels`)
    zg : (n_pairs, 3, n_columns), xg : (n_pairs, 3)
    out : (n_atoms, 3, n_columns), virial : (3, 3, n_columns), accumulated in place
    """
    n_cols = a.shape[1]
    for p in range(pairs.shape[0]):
        i = pairs[p, 0]
        j = pairs[p, 1]
        for c in range(3):
            x = xg[p, c]
            d0, d1, d2 = vectors[p, 0], vectors[p, 1], vectors[p, 2]
            for m in range(n_cols):
                v = a[i, m] * zg[p, c, m] + b[i, m] * x
                out[j, c, m] += v
                virial[c, 0, m] += v * d0
                virial[c, 1, m] += v * d1
                virial[c, 2, m] += v * d2
