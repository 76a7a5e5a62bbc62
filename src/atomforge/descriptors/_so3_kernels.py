"""Numba kernels of the smooth SO(3) power spectrum and its sparse gradients.

Per center i, with neighbour images n at r_n (relative to i), r = |r_n|, u = r_n / r:

* f_nl(r) = w_n f_c(r) R_nl(r)                        radial function of one neighbour
* c_nlm = Σ_n f_nl(r_n) Y_lm(u_n)                      density expansion (real Y_lm)
* p_{n1 n2 l} = norm_l Σ_m c_{n1 l m} c_{n2 l m}       power spectrum, n2 ≤ n1
* ∂p/∂r_n = norm_l [f'_{n1 l} u A_{n2 l} + f_{n1 l} D_{n2 l} + (n1 ↔ n2)],
  A_{nl} = Σ_m Y_lm(u_n) c_nlm,  D_{nl} = Σ_m ∇Y_lm(u_n) c_nlm

R_nl(r) = 4π e^{−αr²} Σ_q G_nq i_l(2α r x_q) is the Gaussian-smeared density projected on the
radial basis by the quadrature nodes x_q and weights G_nq of ``so3.radial_quadrature`` (i_l:
modified spherical Bessel functions of the first kind). It is tabulated once with R' and R''
on a uniform grid and read by quintic Hermite interpolation (``so3.radial_table`` checks the
error). The real spherical harmonics are orthonormal; any unitary change of basis within each l
(such as LAMMPS' complex Y_lm) leaves p unchanged.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

_FOUR_PI = 4.0 * np.pi


@njit(cache=True, fastmath=False)
def bessel_i(z, lmax, out):
    """Modified spherical Bessel functions i_0(z) .. i_lmax(z) into out[:lmax + 1].

    Power series below z = 20 + 2 lmax (all terms positive), upward recurrence from sinh and cosh
    above (stable there); 1e-15 relative against scipy's ``spherical_in``.
    """
    if z < 20.0 + 2 * lmax:
        h = 0.5 * z * z
        pref = 1.0
        for l in range(lmax + 1):
            if l > 0:
                pref *= z / (2 * l + 1)
            term = 1.0
            s = 1.0
            k = 0
            while term > 1e-17 * s:
                k += 1
                term *= h / (k * (2 * l + 2 * k + 1))
                s += term
            out[l] = pref * s
        return
    out[0] = np.sinh(z) / z
    if lmax >= 1:
        out[1] = (np.cosh(z) - out[0]) / z
    for l in range(2, lmax + 1):
        out[l] = out[l - 2] - (2 * l - 1) / z * out[l - 1]


@njit(cache=True, fastmath=False)
def _radial_exact(r, alpha, x, g, lmax, out):
    """out[n, l, :] = R_nl(r), R_nl'(r), R_nl''(r) by the quadrature (x, g) of ``so3``.

    i_l' = (l i_{l-1} + (l+1) i_{l+1}) / (2l+1), applied twice for i_l'' (no division by z).
    """
    nmax = g.shape[0]
    il = np.empty(lmax + 3)
    s = np.zeros((nmax, lmax + 1, 3))
    for q in range(x.shape[0]):
        xq = x[q]
        bessel_i(2.0 * alpha * r * xq, lmax + 2, il)
        for l in range(lmax + 1):
            d1 = il[1] if l == 0 else (l * il[l - 1] + (l + 1) * il[l + 1]) / (2 * l + 1)
            d2 = (l + 1) * ((l + 1) * il[l] + (l + 2) * il[l + 2]) / (2 * l + 3)
            if l >= 1:
                lower = l * il[l] + ((l - 1) * il[l - 2] if l >= 2 else 0.0)   # (2l−1) i_{l−1}'
                d2 += l * lower / (2 * l - 1)
            d2 /= 2 * l + 1
            for n in range(nmax):
                s[n, l, 0] += g[n, q] * il[l]
                s[n, l, 1] += g[n, q] * xq * d1
                s[n, l, 2] += g[n, q] * xq * xq * d2
    e = 4.0 * np.pi * np.exp(-alpha * r * r)
    for n in range(nmax):
        for l in range(lmax + 1):
            s0 = s[n, l, 0]
            s1 = 2.0 * alpha * s[n, l, 1]
            s2 = 4.0 * alpha * alpha * s[n, l, 2]
            out[n, l, 0] = e * s0
            out[n, l, 1] = e * (s1 - 2.0 * alpha * r * s0)
            out[n, l, 2] = e * (s2 - 4.0 * alpha * r * s1 + (4.0 * alpha * alpha * r * r - 2.0 * alpha) * s0)


@njit(cache=True, fastmath=False, parallel=True)
def radial_table_kernel(r, alpha, x, g, lmax):
    """R, R', R'' at each r (shape (n_r, nmax, lmax + 1, 3)), for the quintic Hermite table."""
    out = np.empty((r.shape[0], g.shape[0], lmax + 1, 3))
    for k in prange(r.shape[0]):
        _radial_exact(r[k], alpha, x, g, lmax, out[k])
    return out


@njit(cache=True, fastmath=False)
def _interpolate(r, h, table, f, df):
    """f[n, l] = R_nl(r), df[n, l] = R_nl'(r) by quintic Hermite interpolation of ``table``.

    ``table[k]`` holds R, R', R'' at r = k h; error O(h^6) in R, O(h^5) in R'.
    """
    k = int(r / h)
    if k > table.shape[0] - 2:
        k = table.shape[0] - 2
    t = r / h - k
    t2 = t * t
    t3 = t2 * t
    t4 = t3 * t
    t5 = t4 * t
    h0 = 1.0 - 10.0 * t3 + 15.0 * t4 - 6.0 * t5        # value at k, then R', R'' at k,
    h1 = h * (t - 6.0 * t3 + 8.0 * t4 - 3.0 * t5)       # R'' and R' at k + 1, value at k + 1
    h2 = 0.5 * h * h * (t2 - 3.0 * t3 + 3.0 * t4 - t5)
    h3 = 0.5 * h * h * (t3 - 2.0 * t4 + t5)
    h4 = h * (-4.0 * t3 + 7.0 * t4 - 3.0 * t5)
    h5 = 1.0 - h0
    d0 = (-30.0 * t2 + 60.0 * t3 - 30.0 * t4) / h
    d1 = 1.0 - 18.0 * t2 + 32.0 * t3 - 15.0 * t4
    d2 = 0.5 * h * (2.0 * t - 9.0 * t2 + 12.0 * t3 - 5.0 * t4)
    d3 = 0.5 * h * (3.0 * t2 - 8.0 * t3 + 5.0 * t4)
    d4 = -12.0 * t2 + 28.0 * t3 - 15.0 * t4
    d5 = -d0
    a = table[k]
    b = table[k + 1]
    for n in range(f.shape[0]):
        for l in range(f.shape[1]):
            f[n, l] = (h0 * a[n, l, 0] + h1 * a[n, l, 1] + h2 * a[n, l, 2]
                       + h3 * b[n, l, 2] + h4 * b[n, l, 1] + h5 * b[n, l, 0])
            df[n, l] = (d0 * a[n, l, 0] + d1 * a[n, l, 1] + d2 * a[n, l, 2]
                        + d3 * b[n, l, 2] + d4 * b[n, l, 1] + d5 * b[n, l, 0])


@njit(cache=True, fastmath=False)
def interpolate_many(r, h, table):
    """R and R' of ``_interpolate`` at each r: two arrays of shape (n_r, nmax, lmax + 1)."""
    f = np.empty((r.shape[0], table.shape[1], table.shape[2]))
    df = np.empty_like(f)
    for k in range(r.shape[0]):
        _interpolate(r[k], h, table, f[k], df[k])
    return f, df


@njit(cache=True, fastmath=False)
def _radial(r, rcut, weight, radial, f, df):
    """f[n, l] = w f_c(r) R_nl(r) and df[n, l] = its r-derivative, for one neighbour."""
    h, table = radial
    _interpolate(r, h, table, f, df)
    if r < rcut:
        fc = weight * 0.5 * (np.cos(np.pi * r / rcut) + 1.0)
        dfc = -weight * 0.5 * np.pi / rcut * np.sin(np.pi * r / rcut)
    else:
        fc = 0.0
        dfc = 0.0
    for n in range(f.shape[0]):
        for l in range(f.shape[1]):
            rad = f[n, l]
            f[n, l] = fc * rad
            df[n, l] = dfc * rad + fc * df[n, l]


@njit(cache=True, fastmath=False)
def _ylm(ux, uy, uz, r, lmax, norm_lm, y, dy, with_gradient):
    """Real orthonormal Y_lm(u) at index l² + l + m, and ∇_r Y_lm(r u) (1/Å) if with_gradient.

    Solid-harmonic form: r^l Y_lm = N_lm Q_l^|m|(z, r²) · {√2 Re (x+iy)^m, 1, √2 Im (x+iy)^|m|}
    for m > 0, m = 0, m < 0, with (l−m) Q_l^m = (2l−1) z Q_{l−1}^m − (l+m−1) r² Q_{l−2}^m,
    Q_m^m = (2m−1)!!; ∂Q_l^m/∂x = −x Q_{l−1}^{m+1}, ∂Q_l^m/∂z = (l+m) Q_{l−1}^m.
    """
    nl = lmax + 1
    qlm = np.zeros((nl + 1, nl + 1))   # Q_l^m at the unit vector (r² = 1)
    cm = np.empty(nl)
    sm = np.empty(nl)
    cm[0] = 1.0
    sm[0] = 0.0
    for m in range(1, nl):
        cm[m] = ux * cm[m - 1] - uy * sm[m - 1]
        sm[m] = ux * sm[m - 1] + uy * cm[m - 1]
    qmm = 1.0
    for m in range(nl):
        if m > 0:
            qmm *= 2 * m - 1
        qlm[m, m] = qmm
        if m + 1 < nl:
            qlm[m + 1, m] = (2 * m + 1) * uz * qmm
        for l in range(m + 2, nl):
            qlm[l, m] = ((2 * l - 1) * uz * qlm[l - 1, m] - (l + m - 1) * qlm[l - 2, m]) / (l - m)
    for l in range(nl):
        c0 = l * l + l
        y[c0] = norm_lm[c0] * qlm[l, 0]
        for m in range(1, l + 1):
            y[c0 + m] = norm_lm[c0 + m] * qlm[l, m] * cm[m]
            y[c0 - m] = norm_lm[c0 + m] * qlm[l, m] * sm[m]
    if not with_gradient:
        return
    inv_r = 1.0 / r
    for l in range(nl):
        c0 = l * l + l
        for m in range(l + 1):
            qx = -qlm[l - 1, m + 1] if l >= 1 and m + 1 <= l - 1 else 0.0  # ∂Q/∂x = qx·x
            qz = (l + m) * qlm[l - 1, m] if l >= 1 and m <= l - 1 else 0.0
            qv = qlm[l, m]
            nrm = norm_lm[c0 + m]
            if m == 0:
                gx = nrm * qx * ux
                gy = nrm * qx * uy
                gz = nrm * qz
                yv = y[c0]
                dy[c0, 0] = (gx - l * yv * ux) * inv_r
                dy[c0, 1] = (gy - l * yv * uy) * inv_r
                dy[c0, 2] = (gz - l * yv * uz) * inv_r
                continue
            # m > 0 (cos part) and −m (sin part)
            gx = nrm * (qx * ux * cm[m] + qv * m * cm[m - 1])
            gy = nrm * (qx * uy * cm[m] - qv * m * sm[m - 1])
            gz = nrm * qz * cm[m]
            yv = y[c0 + m]
            dy[c0 + m, 0] = (gx - l * yv * ux) * inv_r
            dy[c0 + m, 1] = (gy - l * yv * uy) * inv_r
            dy[c0 + m, 2] = (gz - l * yv * uz) * inv_r
            gx = nrm * (qx * ux * sm[m] + qv * m * sm[m - 1])
            gy = nrm * (qx * uy * sm[m] + qv * m * cm[m - 1])
            gz = nrm * qz * sm[m]
            yv = y[c0 - m]
            dy[c0 - m, 0] = (gx - l * yv * ux) * inv_r
            dy[c0 - m, 1] = (gy - l * yv * uy) * inv_r
            dy[c0 - m, 2] = (gz - l * yv * uz) * inv_r


@njit(cache=True, fastmath=False)
def _power_spectrum(c, lmax, norm_l, out):
    """p_{n1 n2 l} = norm_l Σ_m c_{n1 lm} c_{n2 lm}, in the order n1, n2 ≤ n1, l."""
    k = 0
    for n1 in range(c.shape[0]):
        for n2 in range(n1 + 1):
            for l in range(lmax + 1):
                s = 0.0
                for lm in range(l * l, (l + 1) * (l + 1)):
                    s += c[n1, lm] * c[n2, lm]
                out[k] = norm_l[l] * s
                k += 1


@njit(cache=True, fastmath=False, parallel=True)
def _values_kernel(offsets, vectors, dist, weight, settings, radial, norms, values):
    rcut, lmax = settings[0], int(settings[1])
    norm_l, norm_lm = norms
    nmax = radial[1].shape[1]
    n_lm = (lmax + 1) * (lmax + 1)
    for i in prange(offsets.shape[0] - 1):
        c = np.zeros((nmax, n_lm))
        f = np.empty((nmax, lmax + 1))
        df = np.empty((nmax, lmax + 1))
        y = np.empty(n_lm)
        dy = np.empty((1, 3))
        for p in range(offsets[i], offsets[i + 1]):
            r = dist[p]
            _radial(r, rcut, weight[p], radial, f, df)
            _ylm(vectors[p, 0] / r, vectors[p, 1] / r, vectors[p, 2] / r, r, lmax, norm_lm, y,
                 dy, False)
            for n in range(nmax):
                for l in range(lmax + 1):
                    for lm in range(l * l, (l + 1) * (l + 1)):
                        c[n, lm] += f[n, l] * y[lm]
        _power_spectrum(c, lmax, norm_l, values[i])


@njit(cache=True, fastmath=False, parallel=True)
def _gradient_kernel(offsets, vectors, dist, weight, settings, radial, norms, values, grad):
    """Values and ∂p_i/∂r_n; grad row offsets[i] + i is the self row of i, then its neighbours."""
    rcut, lmax = settings[0], int(settings[1])
    norm_l, norm_lm = norms
    nmax = radial[1].shape[1]
    n_lm = (lmax + 1) * (lmax + 1)
    n_feat = values.shape[1]
    for i in prange(offsets.shape[0] - 1):
        p0 = offsets[i]
        nn = offsets[i + 1] - p0
        row0 = p0 + i
        c = np.zeros((nmax, n_lm))
        f = np.empty((nn, nmax, lmax + 1))
        df = np.empty((nn, nmax, lmax + 1))
        y = np.empty((nn, n_lm))
        dy = np.empty((nn, n_lm, 3))
        for e in range(nn):
            p = p0 + e
            r = dist[p]
            _radial(r, rcut, weight[p], radial, f[e], df[e])
            _ylm(vectors[p, 0] / r, vectors[p, 1] / r, vectors[p, 2] / r, r, lmax, norm_lm, y[e],
                 dy[e], True)
            for n in range(nmax):
                for l in range(lmax + 1):
                    for lm in range(l * l, (l + 1) * (l + 1)):
                        c[n, lm] += f[e, n, l] * y[e, lm]
        _power_spectrum(c, lmax, norm_l, values[i])
        for k in range(n_feat):
            for x in range(3):
                grad[row0, k, x] = 0.0
        a = np.empty((nmax, lmax + 1))
        d = np.empty((nmax, lmax + 1, 3))
        for e in range(nn):
            p = p0 + e
            r = dist[p]
            u0, u1, u2 = vectors[p, 0] / r, vectors[p, 1] / r, vectors[p, 2] / r
            for n in range(nmax):
                for l in range(lmax + 1):
                    sa = 0.0
                    s0 = 0.0
                    s1 = 0.0
                    s2 = 0.0
                    for lm in range(l * l, (l + 1) * (l + 1)):
                        cv = c[n, lm]
                        sa += y[e, lm] * cv
                        s0 += dy[e, lm, 0] * cv
                        s1 += dy[e, lm, 1] * cv
                        s2 += dy[e, lm, 2] * cv
                    a[n, l] = sa
                    d[n, l, 0] = s0
                    d[n, l, 1] = s1
                    d[n, l, 2] = s2
            row = row0 + 1 + e
            k = 0
            for n1 in range(nmax):
                for n2 in range(n1 + 1):
                    for l in range(lmax + 1):
                        radial_part = df[e, n1, l] * a[n2, l] + df[e, n2, l] * a[n1, l]
                        g0 = norm_l[l] * (radial_part * u0 + f[e, n1, l] * d[n2, l, 0]
                                          + f[e, n2, l] * d[n1, l, 0])
                        g1 = norm_l[l] * (radial_part * u1 + f[e, n1, l] * d[n2, l, 1]
                                          + f[e, n2, l] * d[n1, l, 1])
                        g2 = norm_l[l] * (radial_part * u2 + f[e, n1, l] * d[n2, l, 2]
                                          + f[e, n2, l] * d[n1, l, 2])
                        grad[row, k, 0] = g0
                        grad[row, k, 1] = g1
                        grad[row, k, 2] = g2
                        grad[row0, k, 0] -= g0
                        grad[row0, k, 1] -= g1
                        grad[row0, k, 2] -= g2
                        k += 1


def power_spectrum_values(offsets, vectors, dist, weight, settings, radial, norms, n_features):
    """p of every center, shape (n_atoms, n_features).

    Parameters
    ----------
    offsets : ndarray, shape (n_atoms + 1,), int64
        Pairs ``offsets[i]:offsets[i+1]`` belong to center i.
    vectors : ndarray, shape (n_pairs, 3), Å
    dist : ndarray, shape (n_pairs,), Å, all > 0
    weight : ndarray, shape (n_pairs,)
        Weight of each pair's neighbour element.
    settings : ndarray, shape (2,)
        rcut (Å) and lmax.
    radial : tuple
        (h, table) of :func:`atomforge.descriptors.so3.radial_table`: grid step (Å) and
        R, R', R'' at r = k h, shape (n_grid, nmax, lmax + 1, 3).
    norms : tuple of ndarray
        norm_l (lmax + 1,) of the power spectrum, N_lm ((lmax + 1)²,) of the real Y_lm.
    """
    values = np.zeros((len(offsets) - 1, n_features))
    if len(offsets) > 1:
        _values_kernel(offsets, vectors, dist, weight, settings, radial, norms, values)
    return values


def power_spectrum_gradients(offsets, vectors, dist, weight, settings, radial, norms, n_features):
    """p (n_atoms, n_features) and grad (n_pairs + n_atoms, n_features, 3) = +∂p_i/∂r_n, 1/Å.

    Rows per center: its self row (−Σ of its neighbour rows), then one row per pair, in pair order.
    Arguments as in :func:`power_spectrum_values`.
    """
    n_atoms = len(offsets) - 1
    values = np.zeros((n_atoms, n_features))
    grad = np.empty((len(dist) + n_atoms, n_features, 3))
    if n_atoms:
        _gradient_kernel(offsets, vectors, dist, weight, settings, radial, norms, values, grad)
    return values, grad
