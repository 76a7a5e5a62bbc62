"""Numba kernels of the Behler–Parrinello symmetry functions and their sparse gradients.

Per center i, neighbour images n, m with vectors d_n (Å), r_n = |d_n|, r_nm = |d_m − d_n|,
cos θ = d_n·d_m / (r_n r_m) and neighbour weights w_n (Behler, J. Chem. Phys. 134, 074106 (2011),
eqs. 6, 8, 9; weights as in Gastegger et al., J. Chem. Phys. 148, 241709 (2018)):

* G2[c(n)]    += w_n exp(−η (r_n − R_s)²) f_c(r_n)
* G4[c(n, m)] += w_n w_m 2^(1−ζ) (1 + λ cos θ)^ζ exp(−η (r_n² + r_m² + r_nm²)) f_c(r_n) f_c(r_m) f_c(r_nm)
* G5[c(n, m)] += w_n w_m 2^(1−ζ) (1 + λ cos θ)^ζ exp(−η (r_n² + r_m²)) f_c(r_n) f_c(r_m)

G4 and G5 run over unordered pairs n < m, each counted once. ``c(n)`` is the channel of the
neighbour (its element for ACSF, 0 for weighted ACSF) and ``c(n, m) = pair_channel[c(n), c(m)]``.
A term of a pair depends on d_n and d_m only, so its gradient is A_n d_n + B d_m on row n and
A_m d_m + B d_n on row m; the self row of i is minus the sum of its neighbour rows. Parallel over
chunks of centers; each chunk writes only its own rows.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from ._cutoffs import cutoff_and_derivative


@njit(cache=True, fastmath=False)
def _radial(p0, p1, env, kind, rc, g2, values, grad, row0, with_grad):
    """G2 of one center: ``values`` is its feature row, neighbour n writes ``grad[row0 + 1 + n]``."""
    vectors, dist, chan, weight = env[1], env[2], env[3], env[4]
    n2 = g2.shape[0]
    for n in range(p1 - p0):
        p = p0 + n
        r = dist[p]
        fc, dfc = cutoff_and_derivative(kind, r, rc)
        base = chan[p] * n2
        for a in range(n2):
            eta = g2[a, 0]
            dr = r - g2[a, 1]
            e = weight[p] * np.exp(-eta * dr * dr)
            values[base + a] += e * fc
            if with_grad:
                s = e * (dfc - 2.0 * eta * dr * fc) / r
                for x in range(3):
                    grad[row0 + 1 + n, base + a, x] += s * vectors[p, x]


@njit(cache=True, fastmath=False)
def _angular(p0, p1, env, kind, rc, table, pair_channel, offset, with_rjk, values, grad, row0,
             with_grad, scratch, fcut):
    """G4 (``with_rjk``) or G5 of one center, written from column ``offset`` on.

    ``table`` = (params (n, 3) [η, ζ, λ], coef (n,) 2^(1−ζ), eta_index (n,), etas (n_eta,),
    zl_index (n,), zetas_lambdas (n_zl, 2)); ``scratch`` holds n_eta + 2 n_zl floats and
    ``fcut`` (2, ≥ n_neighbours) gets f_c and df_c/dr of each neighbour.
    """
    vectors, dist, chan, weight = env[1], env[2], env[3], env[4]
    params, coef, eta_index, etas, zl_index, zl = table
    n_par = params.shape[0]
    n_eta = etas.shape[0]
    n_zl = zl.shape[0]
    ex = scratch[:n_eta]
    pw = scratch[n_eta:n_eta + n_zl]
    dpw = scratch[n_eta + n_zl:n_eta + 2 * n_zl]
    nn = p1 - p0
    for n in range(nn):
        fcut[0, n], fcut[1, n] = cutoff_and_derivative(kind, dist[p0 + n], rc)
    for n in range(nn):
        pn = p0 + n
        rn = dist[pn]
        fn, dfn = fcut[0, n], fcut[1, n]
        xn, yn, zn = vectors[pn, 0], vectors[pn, 1], vectors[pn, 2]
        for m in range(n + 1, nn):
            pm = p0 + m
            rm = dist[pm]
            xm, ym, zm = vectors[pm, 0], vectors[pm, 1], vectors[pm, 2]
            s = rn * rn + rm * rm
            fnm, dfnm, rnm = 1.0, 0.0, 1.0
            if with_rjk:
                rnm = np.sqrt((xm - xn) ** 2 + (ym - yn) ** 2 + (zm - zn) ** 2)
                if rnm >= rc:
                    continue
                fnm, dfnm = cutoff_and_derivative(kind, rnm, rc)
                s += rnm * rnm
            fm, dfm = fcut[0, m], fcut[1, m]
            f = fn * fm * fnm
            cos = (xn * xm + yn * ym + zn * zm) / (rn * rm)
            cos = min(1.0, max(-1.0, cos))
            for u in range(n_eta):
                ex[u] = np.exp(-etas[u] * s)
            for v in range(n_zl):
                zeta, lam = zl[v, 0], zl[v, 1]
                b = 1.0 + lam * cos
                k = int(zeta)
                if k == zeta and k <= 64:          # integer ζ: b^(ζ−1) by products, no pow
                    q = 1.0
                    for _ in range(k - 1):
                        q *= b
                else:
                    q = b ** (zeta - 1.0)
                pw[v] = q * b
                dpw[v] = zeta * lam * q
            wt = weight[pn] * weight[pm]
            col = offset + pair_channel[chan[pn], chan[pm]] * n_par
            # ∂f/∂d_n = gn_n d_n + g_nm (d_n − d_m), ∂f/∂d_m = gm_m d_m − g_nm (d_n − d_m)
            gn = dfn / rn * fm * fnm
            gm = fn * dfm / rm * fnm
            gnm = fn * fm * dfnm / rnm if with_rjk else 0.0
            ds = 4.0 if with_rjk else 2.0        # ∂s/∂d_n = ds d_n − (ds − 2) d_m
            for a in range(n_par):
                eta = params[a, 0]
                e = ex[eta_index[a]] * coef[a] * wt
                p_ = pw[zl_index[a]]
                dp = dpw[zl_index[a]]
                values[col + a] += p_ * e * f
                if with_grad:
                    # T = c P(cos) E(s) f: dT = c E [P' f dcos − η P f ds + P df]
                    common = -eta * p_ * f
                    an = e * (-dp * f * cos / (rn * rn) + ds * common + p_ * (gn + gnm))
                    am = e * (-dp * f * cos / (rm * rm) + ds * common + p_ * (gm + gnm))
                    b_ = e * (dp * f / (rn * rm) - (ds - 2.0) * common - p_ * gnm)
                    rown = row0 + 1 + n
                    rowm = row0 + 1 + m
                    grad[rown, col + a, 0] += an * xn + b_ * xm
                    grad[rown, col + a, 1] += an * yn + b_ * ym
                    grad[rown, col + a, 2] += an * zn + b_ * zm
                    grad[rowm, col + a, 0] += am * xm + b_ * xn
                    grad[rowm, col + a, 1] += am * ym + b_ * yn
                    grad[rowm, col + a, 2] += am * zm + b_ * zn


@njit(cache=True, fastmath=False, parallel=True)
def _kernel(chunks, env, kind, rc, g2, g4, g5, pair_channel, n_chan, values, grad, with_grad):
    offsets = env[0]
    n2 = g2.shape[0] * n_chan[0]
    n4 = g4[0].shape[0] * n_chan[1]
    n_scratch = max(g4[3].shape[0] + 2 * g4[5].shape[0], g5[3].shape[0] + 2 * g5[5].shape[0])
    n_feat = values.shape[1]
    max_neigh = 0
    for i in range(offsets.shape[0] - 1):
        max_neigh = max(max_neigh, offsets[i + 1] - offsets[i])
    for c in prange(chunks.shape[0] - 1):
        scratch = np.empty(n_scratch)
        fcut = np.empty((2, max_neigh))
        for i in range(chunks[c], chunks[c + 1]):
            p0, p1 = offsets[i], offsets[i + 1]
            row0 = p0 + i
            _radial(p0, p1, env, kind, rc, g2, values[i], grad, row0, with_grad)
            if g4[0].shape[0]:
                _angular(p0, p1, env, kind, rc, g4, pair_channel, n2, True, values[i], grad,
                         row0, with_grad, scratch, fcut)
            if g5[0].shape[0]:
                _angular(p0, p1, env, kind, rc, g5, pair_channel, n2 + n4, False, values[i],
                         grad, row0, with_grad, scratch, fcut)
            if with_grad:
                for row in range(row0 + 1, row0 + 1 + p1 - p0):
                    for f in range(n_feat):
                        for x in range(3):
                            grad[row0, f, x] -= grad[row, f, x]


def angular_table(params: np.ndarray):
    """The kernel's table of G4/G5 parameters (n, 3) [η, ζ, λ]: distinct η and (ζ, λ) indexed."""
    params = np.ascontiguousarray(params, dtype=np.float64).reshape(-1, 3)
    etas, eta_index = np.unique(params[:, 0], return_inverse=True)
    zl, zl_index = np.unique(params[:, 1:], axis=0, return_inverse=True)
    coef = 2.0 ** (1.0 - params[:, 1])
    return (params, coef, eta_index.astype(np.int64).ravel(), etas,
            zl_index.astype(np.int64).ravel(), np.ascontiguousarray(zl).reshape(-1, 2))


def symmetry_functions(env, kind, rc, g2, g4, g5, pair_channel, n_chan, n_features, with_grad):
    """Values (n_atoms, n_features) and, if ``with_grad``, grad (n_pairs + n_atoms, n_features, 3).

    ``env`` = (offsets, vectors, dist, channel, weight) of :class:`Neighborhoods` pairs;
    ``g2`` (n2, 2) [η, R_s]; ``g4``/``g5`` from :func:`angular_table`; ``n_chan`` = (G2
    channels, G4/G5 channels); ``pair_channel`` (n_chan[0], n_chan[0]) int64.
    """
    offsets = env[0]
    n_atoms = len(offsets) - 1
    values = np.zeros((n_atoms, n_features))
    n_rows = len(env[2]) + n_atoms if with_grad else 0
    grad = np.zeros((n_rows, n_features, 3))
    if n_atoms:
        n_chunks = max(1, min(n_atoms, 4 * numba.get_num_threads()))
        chunks = np.linspace(0, n_atoms, n_chunks + 1).astype(np.int64)
        _kernel(chunks, env, kind, float(rc), g2, g4, g5, pair_channel,
                np.asarray(n_chan, dtype=np.int64), values, grad, with_grad)
    return values, (grad if with_grad else None)
