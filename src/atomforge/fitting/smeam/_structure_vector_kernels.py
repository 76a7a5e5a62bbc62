"""Numba kernels that compute the structure vectors of one structure.

A spline s is given by ``x[s, :k]``, its second-derivative matrix ``m[s, :k, :k+2]`` and
``k = n_knots[s]``; its parameters ``[y, d0, dN]`` (k + 2 values) sit at ``theta_off[s]`` in the
model's parameter vector. Density features (the vector ``z`` that densities are linear in) hold
the ρ parameters of each element at ``rho_off[t]`` and, for each element pair a <= b, the
outer products f_a ⊗ f_b ⊗ g_ab at ``blk_off[a, b]`` (C order); ``col_map`` maps that full
layout to the stored one, where same-element blocks are folded (f_u f_v = f_v f_u).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ...models.spline import spline_basis


@njit(cache=True, fastmath=False)
def _basis(sp, s, t, val, der):
    x, m, n_knots = sp
    k = n_knots[s]
    spline_basis(x[s, :k], m[s, :k, : k + 2], t, val[: k + 2], der[: k + 2])
    return k + 2


@njit(cache=True, fastmath=False)
def _center(i, sp, ids, offs, geo, rows, out):
    """Fill the rows of atom i in every output array (see :func:`structure_vector_arrays`)."""
    phi_id, rho_id, f_id, g_id = ids
    theta_off, rho_off, blk_off, col_map = offs
    types, off, nbr, vectors, distances, cutoff = geo
    pair_row, self_row = rows
    e_phi, g_phi, v_phi, dens, d_dens, v_dens = out
    kmax = sp[0].shape[1] + 2
    bv = np.empty(kmax)
    bd = np.empty(kmax)
    n_p = off[i + 1] - off[i]
    fv = np.zeros((n_p, kmax))
    fd = np.zeros((n_p, kmax))
    nf = np.zeros(n_p, dtype=np.int64)
    gv = np.empty(kmax)
    gd = np.empty(kmax)
    wj = np.empty(3)
    wk = np.empty(3)
    ti = types[i]
    for a in range(n_p):
        p = off[i] + a
        r = distances[p]
        if r >= cutoff:
            continue
        tj = types[nbr[p]]
        u = vectors[p] / r
        if phi_id[ti, tj] >= 0:
            s = phi_id[ti, tj]
            k = _basis(sp, s, r, bv, bd)
            o = theta_off[s]
            for c in range(k):
                e_phi[i, o + c] += 0.5 * bv[c]
                for d in range(3):
                    g_phi[i, d, o + c] -= bd[c] * u[d]
                    for e in range(3):
                        v_phi[i, 3 * d + e, o + c] += 0.5 * bd[c] * r * u[d] * u[e]
        if rho_id[tj] >= 0:
            k = _basis(sp, rho_id[tj], r, bv, bd)
            o = rho_off[tj]
            for c in range(k):
                dens[i, o + c] += bv[c]
                for d in range(3):
                    if pair_row[p] >= 0:
                        d_dens[pair_row[p], d, o + c] += bd[c] * u[d]
                    if self_row[i] >= 0:
                        d_dens[self_row[i], d, o + c] -= bd[c] * u[d]
                    for e in range(3):
                        v_dens[i, 3 * d + e, o + c] += bd[c] * r * u[d] * u[e]
        if f_id[0] >= 0:
            nf[a] = _basis(sp, f_id[tj], r, fv[a], fd[a])
    if f_id[0] < 0:
        return
    for a in range(n_p):
        p = off[i] + a
        rp = distances[p]
        if rp >= cutoff:
            continue
        for b in range(a):
            q = off[i] + b
            rq = distances[q]
            if rq >= cutoff:
                continue
            tp, tq = types[nbr[p]], types[nbr[q]]
            cos = (vectors[p, 0] * vectors[q, 0] + vectors[p, 1] * vectors[q, 1]
                   + vectors[p, 2] * vectors[q, 2]) / (rp * rq)
            ng = _basis(sp, g_id[tp, tq], cos, gv, gd)
            # order the pair so that the lower element type comes first
            if tp <= tq:
                j, k, aj, ak, tj, tk = p, q, a, b, tp, tq
            else:
                j, k, aj, ak, tj, tk = q, p, b, a, tq, tp
            rj, rk = distances[j], distances[k]
            uj = vectors[j] / rj
            uk = vectors[k] / rk
            # d cos / d r_j = (u_k - cos u_j) / r_j, and the same with j, k swapped
            dcj = (uk - cos * uj) / rj
            dck = (uj - cos * uk) / rk
            o = blk_off[tj, tk]
            nk_ = nf[ak]
            for x1 in range(nf[aj]):
                for x2 in range(nk_):
                    ff = fv[aj, x1] * fv[ak, x2]
                    dfj = fd[aj, x1] * fv[ak, x2]
                    dfk = fv[aj, x1] * fd[ak, x2]
                    base = o + (x1 * nk_ + x2) * ng
                    for x3 in range(ng):
                        col = col_map[base + x3]
                        dens[i, col] += ff * gv[x3]
                        cj = dfj * gv[x3]
                        ck = dfk * gv[x3]
                        cg = ff * gd[x3]
                        for d in range(3):
                            wj[d] = cj * uj[d] + cg * dcj[d]
                            wk[d] = ck * uk[d] + cg * dck[d]
                            if pair_row[j] >= 0:
                                d_dens[pair_row[j], d, col] += wj[d]
                            if pair_row[k] >= 0:
                                d_dens[pair_row[k], d, col] += wk[d]
                            if self_row[i] >= 0:
                                d_dens[self_row[i], d, col] -= wj[d] + wk[d]
                        for d in range(3):
                            for e in range(3):
                                v_dens[i, 3 * d + e, col] += vectors[j, d] * wj[e] + vectors[k, d] * wk[e]


@njit(cache=True, fastmath=False, parallel=True)
def structure_vector_arrays(sp, ids, offs, geo, rows, sizes):
    """All structure vectors of one structure.

    Returns
    -------
    e_phi : (n_atoms, n_params)       per-atom pair energy (½ Σ_j φ basis), eV per unit θ
    g_phi : (n_atoms, 3, n_params)    ∂E_pair/∂r_m (gradient, not force)
    v_phi : (n_atoms, 9, n_params)    pair virial Σ_p r_p ⊗ ∂E/∂r_p, row-major 3×3
    dens : (n_atoms, n_dens)          densities n_i = dens[i] @ z
    d_dens : (n_rows, 3, n_dens)      ∂n_i/∂r_m for the (i, m) rows asked for
    v_dens : (n_atoms, 9, n_dens)     Σ_p r_p ⊗ ∂n_i/∂r_p
    """
    n_atoms, n_params, n_dens, n_rows = sizes
    e_phi = np.zeros((n_atoms, n_params))
    g_phi = np.zeros((n_atoms, 3, n_params))
    v_phi = np.zeros((n_atoms, 9, n_params))
    dens = np.zeros((n_atoms, n_dens))
    d_dens = np.zeros((n_rows, 3, n_dens))
    v_dens = np.zeros((n_atoms, 9, n_dens))
    out = (e_phi, g_phi, v_phi, dens, d_dens, v_dens)
    for i in prange(n_atoms):
        _center(i, sp, ids, offs, geo, rows, out)
    return out
