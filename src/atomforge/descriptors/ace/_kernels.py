"""Numba kernels of the ACE descriptor: radial basis, spherical harmonics, A, B and ∂B/∂r.

Layout (see :mod:`atomforge.descriptors.ace.tables`): per neighbour element μ, the atomic base
is stored "full" (all m, index ``n*(L+1)^2 + l*l + l + m``, then the rank-1 sums of g_k) and
"half" (m ≥ 0, index ``n*H + l(l+1)/2 + m`` with H = (L+1)(L+2)/2, then g_k). Negative m follow
from A_{l,−m} = (−1)^m conj A_{lm} (R real).

Gradients: B_f = Re P_f(A) with P_f holomorphic in the A's, so
∂B_f/∂r_j = Re Σ_a (∂P_f/∂A_a) ∂A_a/∂r_j. The weights W_f = ∂P_f/∂A are folded onto m ≥ 0
(a term on A_{l,−m} becomes (−1)^m conj(w) on A_{lm}) and stored per (function, slot); each
pair then costs one short sparse dot product per function with ∂(R_nl Y_lm)(r_ij)/∂r_j.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

PI = np.pi


@njit(cache=True, fastmath=False)
def radial_base(r, rc, lam, dcut, r_in, dr_in, g, dg):
    """ChebExpCos radial base g_k(r), k = 0..len(g)-1 (g_1 of the papers is ``g[0]``), and dg/dr.

    x = 1 − 2(e^{−λr/rc} − e^{−λ})/(1 − e^{−λ}); g[0] = f_env, g[k] = ½(1 − T_k(x))·f_env with
    f_env = ½(1 + cos(πr/rc)) (Drautz 2019 Eq. 26; Lysogorskiy et al., npj Comput. Mater. 7, 97
    (2021)), times ½(1 + cos(π(r − rc + dcut)/dcut)) on (rc − dcut, rc) when dcut > 0 and, when
    the inner cutoff is on, the quintic step S(t) = t³(10 − 15t + 6t²), t = (r − r_in + dr_in)/dr_in,
    which is 0 up to r_in − dr_in and 1 from r_in on (as ML-PACE's "distance" inner cutoff).
    """
    nb = g.shape[0]
    for k in range(nb):
        g[k] = 0.0
        dg[k] = 0.0
    if r >= rc or r <= r_in - dr_in:
        return
    y1 = np.exp(-lam * r / rc)
    y2 = np.exp(-lam)
    x = 1.0 - 2.0 * (y1 - y2) / (1.0 - y2)
    dx = 2.0 * lam / rc * y1 / (1.0 - y2)
    env = 0.5 * (1.0 + np.cos(PI * r / rc))
    denv = -0.5 * PI / rc * np.sin(PI * r / rc)
    g[0] = env
    dg[0] = denv
    t_prev, t_cur, dt_prev, dt_cur = 1.0, x, 0.0, 1.0  # T_0, T_1 and derivatives in x
    for k in range(1, nb):
        base = 0.5 * (1.0 - t_cur)
        dbase = -0.5 * dt_cur * dx
        g[k] = base * env
        dg[k] = dbase * env + base * denv
        t_next = 2.0 * x * t_cur - t_prev
        dt_next = 2.0 * t_cur + 2.0 * x * dt_cur - dt_prev
        t_prev, t_cur, dt_prev, dt_cur = t_cur, t_next, dt_cur, dt_next
    if dcut > 0.0 and r > rc - dcut:
        arg = PI * (r - rc + dcut) / dcut
        f = 0.5 * (1.0 + np.cos(arg))
        df = -0.5 * PI / dcut * np.sin(arg)
        for k in range(nb):
            dg[k] = dg[k] * f + g[k] * df
            g[k] = g[k] * f
    if r < r_in and dr_in > 0.0:
        t = (r - r_in + dr_in) / dr_in
        s = t * t * t * (10.0 - 15.0 * t + 6.0 * t * t)
        ds = 30.0 * t * t * (1.0 - t) * (1.0 - t) / dr_in
        for k in range(nb):
            dg[k] = dg[k] * s + g[k] * ds
            g[k] = g[k] * s


@njit(cache=True, fastmath=False)
def spherical_harmonics(u, lmax, norm, Y, dY):
    """Y_lm(u) for m ≥ 0 (√(4π)·orthonormal, Condon–Shortley; Y_00 = 1) and ∂Y/∂u (3,).

    Y_lm = N_lm Q_l^m(z) (x + iy)^m with Q_l^m = (−1)^m d^m P_l/dz^m and
    N_lm = √((2l+1)(l−m)!/(l+m)!) (``norm[l, m]``). ``dY`` is the gradient of this polynomial
    in (x, y, z); the caller projects it onto the sphere. Index of (l, m): l(l+1)/2 + m.
    """
    x, y, z = u[0], u[1], u[2]
    q = np.zeros((lmax + 2, lmax + 2))
    for m in range(lmax + 1):
        qmm = 1.0
        for k in range(1, m + 1):
            qmm *= -(2.0 * k - 1.0)
        q[m, m] = qmm
        if m + 1 <= lmax:
            q[m + 1, m] = (2.0 * m + 1.0) * z * qmm
        for l in range(m + 2, lmax + 1):
            q[l, m] = ((2.0 * l - 1.0) * z * q[l - 1, m] - (l + m - 1.0) * q[l - 2, m]) / (l - m)
    w = complex(x, y)
    wp = np.empty(lmax + 1, dtype=np.complex128)
    wp[0] = 1.0
    for m in range(1, lmax + 1):
        wp[m] = wp[m - 1] * w
    for l in range(lmax + 1):
        base = l * (l + 1) // 2
        for m in range(l + 1):
            c = norm[l, m]
            Y[base + m] = c * q[l, m] * wp[m]
            if m > 0:
                dm = c * q[l, m] * m * wp[m - 1]
                dY[base + m, 0] = dm
                dY[base + m, 1] = 1j * dm
            else:
                dY[base + m, 0] = 0.0
                dY[base + m, 1] = 0.0
            dY[base + m, 2] = -c * q[l, m + 1] * wp[m]


@njit(cache=True, fastmath=False)
def _pair_basis(e, mj, r, vec, radial, dims, norm, g, dg, R, dR, Y, dY):
    """g, dg (nbase,), R, dR (nrad, lmax+1), Y, dY (H, 3) (dY projected, per Å) of one pair."""
    rc, lam, dcut, r_in, dr_in, crad = radial
    nrad, lmax = dims[0], dims[1]
    radial_base(r, rc[e, mj], lam[e, mj], dcut[e, mj], r_in[e, mj], dr_in[e, mj], g, dg)
    nb = g.shape[0]
    for n in range(nrad):
        for l in range(lmax + 1):
            s = 0.0
            ds = 0.0
            for k in range(nb):
                s += crad[e, mj, n, l, k] * g[k]
                ds += crad[e, mj, n, l, k] * dg[k]
            R[n, l] = s
            dR[n, l] = ds
    u = vec / r
    spherical_harmonics(u, lmax, norm, Y, dY)
    for h in range(Y.shape[0]):  # tangential projection: ∂Y/∂r = (∇_u Y − u (u·∇_u Y)) / r
        ud = u[0] * dY[h, 0] + u[1] * dY[h, 1] + u[2] * dY[h, 2]
        for a in range(3):
            dY[h, a] = (dY[h, a] - u[a] * ud) / r
    return u


@njit(cache=True, fastmath=False)
def _center(i, tables, radial, offsets, species, neighbour_species, vectors, dist, values,
            grad, with_grad):
    """Values (and gradient rows) of one center ``i``."""
    (f_start, f_combo, c_coef, c_aidx, c_slot, c_conj, c_sign, f_rank, f_slots, slot_h,
     norm, dims) = tables
    nrad, lmax, nbase, NA, NH, H, n_el = dims[0], dims[1], dims[2], dims[3], dims[4], dims[5], dims[6]
    L2 = (lmax + 1) * (lmax + 1)
    e = species[i]
    p0, p1 = offsets[i], offsets[i + 1]
    g = np.empty(nbase)
    dg = np.empty(nbase)
    R = np.empty((nrad, lmax + 1))
    dR = np.empty((nrad, lmax + 1))
    Y = np.empty(H, dtype=np.complex128)
    dY = np.empty((H, 3), dtype=np.complex128)
    a_half = np.zeros(n_el * NH, dtype=np.complex128)
    for p in range(p0, p1):
        mj = neighbour_species[p]
        _pair_basis(e, mj, dist[p], vectors[p], radial, dims, norm, g, dg, R, dR, Y, dY)
        base = mj * NH
        for n in range(nrad):
            for l in range(lmax + 1):
                lb = base + n * H + l * (l + 1) // 2
                for m in range(l + 1):
                    a_half[lb + m] += R[n, l] * Y[l * (l + 1) // 2 + m]
        for k in range(nbase):
            a_half[base + nrad * H + k] += g[k]
    a_full = np.empty(n_el * NA, dtype=np.complex128)
    for mu in range(n_el):
        for n in range(nrad):
            for l in range(lmax + 1):
                for m in range(l + 1):
                    v = a_half[mu * NH + n * H + l * (l + 1) // 2 + m]
                    a_full[mu * NA + n * L2 + l * l + l + m] = v
                    if m > 0:
                        a_full[mu * NA + n * L2 + l * l + l - m] = (1 - 2 * (m % 2)) * np.conj(v)
        for k in range(nbase):
            a_full[mu * NA + nrad * L2 + k] = a_half[mu * NH + nrad * H + k]
    fs, fe = f_start[e], f_start[e + 1]
    rmax = c_aidx.shape[1]
    fwd = np.empty(rmax + 1, dtype=np.complex128)
    bwd = np.empty(rmax + 1, dtype=np.complex128)
    for f in range(fs, fe):
        rank = f_rank[f]
        s = 0.0
        for c in range(f_combo[f], f_combo[f + 1]):
            prod = complex(1.0, 0.0)
            for t in range(rank):
                prod *= a_full[c_aidx[c, t]]
            s += c_coef[c] * prod.real
        values[i, f - fs] = s
    if not with_grad or fe == fs:
        return
    s0, s1 = f_slots[fs, 0], f_slots[fe - 1, n_el]
    w_re = np.zeros(s1 - s0)
    w_im = np.zeros(s1 - s0)
    for f in range(fs, fe):
        rank = f_rank[f]
        for c in range(f_combo[f], f_combo[f + 1]):
            fwd[0] = 1.0
            for t in range(rank):
                fwd[t + 1] = fwd[t] * a_full[c_aidx[c, t]]
            bwd[rank] = 1.0
            for t in range(rank - 1, -1, -1):
                bwd[t] = bwd[t + 1] * a_full[c_aidx[c, t]]
            for t in range(rank):
                w = c_coef[c] * fwd[t] * bwd[t + 1]
                sl = c_slot[c, t] - s0
                if c_conj[c, t]:
                    w_re[sl] += c_sign[c, t] * w.real
                    w_im[sl] -= c_sign[c, t] * w.imag
                else:
                    w_re[sl] += w.real
                    w_im[sl] += w.imag
    d_re = np.empty((NH, 3))
    d_im = np.empty((NH, 3))
    self_row = p0 + i
    for p in range(p0, p1):
        mj = neighbour_species[p]
        u = _pair_basis(e, mj, dist[p], vectors[p], radial, dims, norm, g, dg, R, dR, Y, dY)
        for n in range(nrad):  # ∂(R_nl Y_lm)/∂r_j = R' u Y + R ∇Y
            for l in range(lmax + 1):
                for m in range(l + 1):
                    hy = l * (l + 1) // 2 + m
                    h = n * H + hy
                    for a in range(3):
                        d = dR[n, l] * u[a] * Y[hy] + R[n, l] * dY[hy, a]
                        d_re[h, a] = d.real
                        d_im[h, a] = d.imag
        for k in range(nbase):
            for a in range(3):
                d_re[nrad * H + k, a] = dg[k] * u[a]
                d_im[nrad * H + k, a] = 0.0
        row = p + i + 1
        for f in range(fs, fe):
            gx = 0.0
            gy = 0.0
            gz = 0.0
            for sl in range(f_slots[f, mj], f_slots[f, mj + 1]):
                h = slot_h[sl]
                wr = w_re[sl - s0]
                wi = w_im[sl - s0]
                gx += wr * d_re[h, 0] - wi * d_im[h, 0]
                gy += wr * d_re[h, 1] - wi * d_im[h, 1]
                gz += wr * d_re[h, 2] - wi * d_im[h, 2]
            k = f - fs
            grad[row, k, 0] = gx
            grad[row, k, 1] = gy
            grad[row, k, 2] = gz
            grad[self_row, k, 0] -= gx
            grad[self_row, k, 1] -= gy
            grad[self_row, k, 2] -= gz


@njit(cache=True, fastmath=False, parallel=True)
def ace_kernel(tables, radial, offsets, species, neighbour_species, vectors, dist, values, grad,
               with_grad):
    """Fill ``values`` (n_atoms, n_features) and, with ``with_grad``, ``grad`` (n_rows, n_features, 3).

    ``grad`` rows: per center its self row (offset[i] + i), then one row per neighbour pair;
    both arrays must be zero on entry (padding features of elements with fewer functions stay 0).
    """
    for i in prange(offsets.shape[0] - 1):
        _center(i, tables, radial, offsets, species, neighbour_species, vectors, dist, values,
                grad, with_grad)


@njit(cache=True, fastmath=False)
def ace_kernel_serial(tables, radial, offsets, species, neighbour_species, vectors, dist, values,
                      grad, with_grad):
    """:func:`ace_kernel` on one thread (small structures: no thread start-up and wake-up cost)."""
    for i in range(offsets.shape[0] - 1):
        _center(i, tables, radial, offsets, species, neighbour_species, vectors, dist, values,
                grad, with_grad)
