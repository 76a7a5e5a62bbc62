"""Numba kernels of the SO(4) bispectrum and its sparse gradients (see ``_snap_tables`` for the layout).

Per center i (Thompson et al., J. Comput. Phys. 285, 316 (2015)):

* U_tot = w_self·I + Σ_n f_c(r_n) w_n U(r_n)          eqs. 6–8; U by the recursion on the 3-sphere
* Z_{j1 j2}^j = Σ C·C U_{j1} ⊗ U_{j2}                 eq. 5, Clebsch–Gordan products
* B_{j1 j2 j} = Σ conj(U_j)·Z_{j1 j2}^j − bzero        eq. 5
* ∂B/∂r_n = 2 Re Σ conj(∂U_j)·Z_{j1 j2}^j + (j+1)/(j1+1)·conj(∂U_{j1})·Z_{j j2}^{j1}
            + (j+1)/(j2+1)·conj(∂U_{j2})·Z_{j j1}^{j2}  (eq. 9 with the CG symmetry of Z)

``r_n`` is the neighbour image minus the center, so ∂B_i/∂r_n is ∂B_i/∂r_j of that image, and the
self row is −Σ_n. Parallel over chunks of centers; each chunk owns its rows of the outputs.
"""

from __future__ import annotations

import ctypes
import glob
import os
from contextlib import contextmanager
from functools import lru_cache

import numba
import numpy as np
from numba import njit, prange

_PI = np.pi


@njit(cache=True, fastmath=False)
def _cutoff_function(r, rcut, rmin0, switchflag):
    """f_c and df_c/dr (LAMMPS switch: cosine from rmin0 to rcut)."""
    if switchflag == 0:
        return 1.0, 0.0
    if r <= rmin0:
        return 1.0, 0.0
    if r > rcut:
        return 0.0, 0.0
    scale = _PI / (rcut - rmin0)
    return 0.5 * (np.cos((r - rmin0) * scale) + 1.0), -0.5 * np.sin((r - rmin0) * scale) * scale


@njit(cache=True, fastmath=False)
def _fill_by_symmetry(j, u_block, ur, ui):
    """U_j[j-ma, j-mb] = (-1)^(ma+mb) conj(U_j[ma, mb]) from the rows 2mb <= j."""
    jju = u_block[j]
    jjup = jju + (j + 1) * (j + 1) - 1
    mbpar = 1
    for mb in range(j // 2 + 1):
        mapar = mbpar
        for ma in range(j + 1):
            if mapar == 1:
                ur[jjup] = ur[jju]
                ui[jjup] = -ui[jju]
            else:
                ur[jjup] = -ur[jju]
                ui[jjup] = ui[jju]
            mapar = -mapar
            jju += 1
            jjup -= 1
        mbpar = -mbpar


@njit(cache=True, fastmath=False)
def _cayley_klein(x, y, z, r, rcut, rfac0, rmin0):
    """a, b of the rotation that maps the 3D neighbour to the 3-sphere, with z0 and 1/|(r, z0)|."""
    theta0 = (r - rmin0) * rfac0 * _PI / (rcut - rmin0)
    z0 = r / np.tan(theta0)
    r0inv = 1.0 / np.sqrt(r * r + z0 * z0)
    return r0inv * z0, -r0inv * z, r0inv * y, -r0inv * x, z0, r0inv


@njit(cache=True, fastmath=False)
def _compute_u(x, y, z, r, rcut, rfac0, rmin0, twojmax, u_block, rootpq, ur, ui):
    """U_j(ma, mb) of one neighbour for all j (full blocks) into ur, ui."""
    a_r, a_i, b_r, b_i, _, _ = _cayley_klein(x, y, z, r, rcut, rfac0, rmin0)
    ur[0] = 1.0
    ui[0] = 0.0
    for j in range(1, twojmax + 1):
        jju = u_block[j]
        jjup = u_block[j - 1]
        for mb in range(j // 2 + 1):
            ur[jju] = 0.0
            ui[jju] = 0.0
            for ma in range(j):
                p = rootpq[j - ma, j - mb]
                ur[jju] += p * (a_r * ur[jjup] + a_i * ui[jjup])
                ui[jju] += p * (a_r * ui[jjup] - a_i * ur[jjup])
                p = rootpq[ma + 1, j - mb]
                ur[jju + 1] = -p * (b_r * ur[jjup] + b_i * ui[jjup])
                ui[jju + 1] = -p * (b_r * ui[jjup] - b_i * ur[jjup])
                jju += 1
                jjup += 1
            jju += 1
        _fill_by_symmetry(j, u_block, ur, ui)


@njit(cache=True, fastmath=False)
def _compute_du(x, y, z, r, rcut, rfac0, rmin0, twojmax, u_block, rootpq, ur, ui, dur, dui):
    """∂U/∂r_n (3 components, full blocks) of one neighbour from its U (ur, ui)."""
    a_r, a_i, b_r, b_i, z0, r0inv = _cayley_klein(x, y, z, r, rcut, rfac0, rmin0)
    rscale0 = rfac0 * _PI / (rcut - rmin0)
    theta0 = (r - rmin0) * rscale0
    sn = np.sin(theta0)
    dz0dr = z0 / r - rscale0 * r / (sn * sn)
    dr0invdr = -r0inv * r0inv * r0inv * (r + z0 * dz0dr)
    uvec = (x / r, y / r, z / r)
    da_r = np.empty(3)
    da_i = np.empty(3)
    db_r = np.empty(3)
    db_i = np.empty(3)
    for k in range(3):
        dr0inv = dr0invdr * uvec[k]
        da_r[k] = dz0dr * uvec[k] * r0inv + z0 * dr0inv
        da_i[k] = -z * dr0inv
        db_r[k] = y * dr0inv
        db_i[k] = -x * dr0inv
    da_i[2] -= r0inv
    db_i[0] -= r0inv
    db_r[1] += r0inv
    for k in range(3):
        dur[0, k] = 0.0
        dui[0, k] = 0.0
    for j in range(1, twojmax + 1):
        jju = u_block[j]
        jjup = u_block[j - 1]
        for mb in range(j // 2 + 1):
            for k in range(3):
                dur[jju, k] = 0.0
                dui[jju, k] = 0.0
            for ma in range(j):
                p = rootpq[j - ma, j - mb]
                q = rootpq[ma + 1, j - mb]
                upr = ur[jjup]
                upi = ui[jjup]
                for k in range(3):
                    dupr = dur[jjup, k]
                    dupi = dui[jjup, k]
                    dur[jju, k] += p * (da_r[k] * upr + da_i[k] * upi + a_r * dupr + a_i * dupi)
                    dui[jju, k] += p * (da_r[k] * upi - da_i[k] * upr + a_r * dupi - a_i * dupr)
                    dur[jju + 1, k] = -q * (db_r[k] * upr + db_i[k] * upi + b_r * dupr + b_i * dupi)
                    dui[jju + 1, k] = -q * (db_r[k] * upi - db_i[k] * upr + b_r * dupi - b_i * dupr)
                jju += 1
                jjup += 1
            jju += 1
        # symmetry fill, per component
        jju = u_block[j]
        jjup = jju + (j + 1) * (j + 1) - 1
        mbpar = 1
        for mb in range(j // 2 + 1):
            mapar = mbpar
            for ma in range(j + 1):
                for k in range(3):
                    if mapar == 1:
                        dur[jjup, k] = dur[jju, k]
                        dui[jjup, k] = -dui[jju, k]
                    else:
                        dur[jjup, k] = -dur[jju, k]
                        dui[jjup, k] = dui[jju, k]
                mapar = -mapar
                jju += 1
                jjup -= 1
            mbpar = -mbpar


@njit(cache=True, fastmath=False)
def _compute_z(n_z, zinfo, cg, u_block, utr, uti, zr, zi):
    """The first n_z compact Z elements from U_tot."""
    for iz in range(n_z):
        j1 = zinfo[iz, 0]
        j2 = zinfo[iz, 1]
        ma1min = zinfo[iz, 3]
        ma2max = zinfo[iz, 4]
        na = zinfo[iz, 5]
        mb1min = zinfo[iz, 6]
        mb2max = zinfo[iz, 7]
        nb = zinfo[iz, 8]
        cgoff = zinfo[iz, 9]
        jju1 = u_block[j1] + (j1 + 1) * mb1min
        jju2 = u_block[j2] + (j2 + 1) * mb2max
        icgb = mb1min * (j2 + 1) + mb2max
        sr = 0.0
        si = 0.0
        for ib in range(nb):
            ar = 0.0
            ai = 0.0
            i1 = jju1 + ma1min
            i2 = jju2 + ma2max
            icga = cgoff + ma1min * (j2 + 1) + ma2max
            for ia in range(na):
                c = cg[icga]
                ar += c * (utr[i1] * utr[i2] - uti[i1] * uti[i2])
                ai += c * (utr[i1] * uti[i2] + uti[i1] * utr[i2])
                i1 += 1
                i2 -= 1
                icga += j2
            c = cg[cgoff + icgb]
            sr += c * ar
            si += c * ai
            jju1 += j1 + 1
            jju2 -= j2 + 1
            icgb += j2
        zr[iz] = sr
        zi[iz] = si


@njit(cache=True, fastmath=False)
def _compute_b(bterm, bj, comp_index, comp_weight, utr, uti, zr, zi, bzero, out):
    """B_k = 2 Σ_compact w conj(U_tot)·Z − bzero·(j+1)."""
    for k in range(bterm.shape[0]):
        zoff = bterm[k, 0, 0]
        coff = bterm[k, 0, 1]
        s = 0.0
        for e in range(bterm[k, 0, 2]):
            u = comp_index[coff + e]
            s += comp_weight[coff + e] * (utr[u] * zr[zoff + e] + uti[u] * zi[zoff + e])
        out[k] = 2.0 * s - bzero * (bj[k] + 1)


@njit(cache=True, fastmath=False)
def _accumulate_utot(p0, p1, vectors, dist, rcut, weight, params, twojmax, u_block, rootpq,
                     ur, ui, utr, uti, store):
    """U_tot of one center over its pairs p0..p1; U of neighbour n kept in ur[n], ui[n] if store."""
    rfac0, rmin0, wself, switchflag = params[0], params[1], params[2], int(params[3])
    utr[:] = 0.0
    uti[:] = 0.0
    for j in range(twojmax + 1):
        for ma in range(j + 1):
            utr[u_block[j] + (j + 1) * ma + ma] = wself
    for n in range(p1 - p0):
        p = p0 + n
        row = n if store else 0
        _compute_u(vectors[p, 0], vectors[p, 1], vectors[p, 2], dist[p], rcut[p], rfac0, rmin0,
                   twojmax, u_block, rootpq, ur[row], ui[row])
        sfac, _ = _cutoff_function(dist[p], rcut[p], rmin0, switchflag)
        sfac *= weight[p]
        for e in range(utr.shape[0]):
            utr[e] += sfac * ur[row, e]
            uti[e] += sfac * ui[row, e]


@lru_cache(maxsize=1)
def _scipy_openblas():
    """get/set of the thread count of scipy's bundled OpenBLAS (what numba's np.dot calls), or None."""
    try:
        import scipy

        libs = os.path.join(os.path.dirname(scipy.__file__), os.pardir, "scipy.libs")
        lib = ctypes.CDLL(sorted(glob.glob(os.path.join(libs, "libscipy_openblas*.so*")))[0])
        return lib.scipy_openblas_get_num_threads, lib.scipy_openblas_set_num_threads
    except (ImportError, IndexError, OSError, AttributeError):
        return None


@contextmanager
def _single_threaded_blas():
    """Run the small per-atom GEMMs on the calling thread: the kernel is parallel over atoms, and
    OpenBLAS threads inside numba threads oversubscribe the cores (10x slower on a busy machine).
    Restores the previous count afterwards."""
    funcs = _scipy_openblas()
    if funcs is None:
        yield
        return
    get, set_ = funcs
    old = get()
    set_(1)
    try:
        yield
    finally:
        set_(old)


def _chunks(n_atoms):
    n = max(1, min(n_atoms, 4 * numba.get_num_threads()))
    return np.linspace(0, n_atoms, n + 1).astype(np.int64)


@njit(cache=True, fastmath=False, parallel=True)
def _values_kernel(chunks, offsets, vectors, dist, rcut, weight, params, twojmax, u_block, n_u,
                   rootpq, comp_index, comp_weight, zinfo, n_z, cg, bterm, bj, values):
    bzero = params[4]
    for c in prange(chunks.shape[0] - 1):
        ur = np.empty((1, n_u))
        ui = np.empty((1, n_u))
        utr = np.empty(n_u)
        uti = np.empty(n_u)
        zr = np.empty(n_z)
        zi = np.empty(n_z)
        for i in range(chunks[c], chunks[c + 1]):
            _accumulate_utot(offsets[i], offsets[i + 1], vectors, dist, rcut, weight, params,
                             twojmax, u_block, rootpq, ur, ui, utr, uti, False)
            _compute_z(n_z, zinfo, cg, u_block, utr, uti, zr, zi)
            _compute_b(bterm, bj, comp_index, comp_weight, utr, uti, zr, zi, bzero, values[i])


@njit(cache=True, fastmath=False, parallel=True)
def _gradient_kernel(chunks, offsets, vectors, dist, rcut, weight, params, twojmax, u_block, n_u,
                     rootpq, comp_index, comp_weight, zinfo, cg, bterm, bfac, bj, blocks,
                     max_neigh, values, grad):
    """Values and gradients; grad row offsets[i] + i is the self row of i, then its neighbours.

    ``blocks`` = (comp_start, comp_count, block_ptr, block_rows) of the tables."""
    rmin0, switchflag, bzero = params[1], int(params[3]), params[4]
    comp_start, comp_count, block_ptr, block_rows = blocks
    n_z = zinfo.shape[0]
    n_comp = comp_index.shape[0]
    n_b = bterm.shape[0]
    max_rows = np.max(block_ptr[1:] - block_ptr[:-1])
    max_count = np.max(comp_count)
    for c in prange(chunks.shape[0] - 1):
        ur = np.empty((max(max_neigh, 1), n_u))
        ui = np.empty((max(max_neigh, 1), n_u))
        utr = np.empty(n_u)
        uti = np.empty(n_u)
        zr = np.empty(n_z)
        zi = np.empty(n_z)
        dur = np.empty((n_u, 3))
        dui = np.empty((n_u, 3))
        du = np.empty(2 * n_comp * 3 * max_neigh)   # [2e (+1 for imag), n, xyz]
        db = np.empty(n_b * 3 * max_neigh)          # [k, n, xyz]
        cbuf = np.empty(max_rows * 2 * max_count)
        tbuf = np.empty(max_rows * 3 * max_neigh)
        for i in range(chunks[c], chunks[c + 1]):
            p0 = offsets[i]
            p1 = offsets[i + 1]
            nn = p1 - p0
            L = 3 * nn
            _accumulate_utot(p0, p1, vectors, dist, rcut, weight, params, twojmax, u_block,
                             rootpq, ur, ui, utr, uti, True)
            _compute_z(n_z, zinfo, cg, u_block, utr, uti, zr, zi)
            _compute_b(bterm, bj, comp_index, comp_weight, utr, uti, zr, zi, bzero, values[i])
            row0 = p0 + i
            for k in range(n_b):
                for x in range(3):
                    grad[row0, k, x] = 0.0
            if nn == 0:
                continue
            for n in range(nn):
                p = p0 + n
                x_, y_, z_, r = vectors[p, 0], vectors[p, 1], vectors[p, 2], dist[p]
                _compute_du(x_, y_, z_, r, rcut[p], params[0], rmin0, twojmax, u_block, rootpq,
                            ur[n], ui[n], dur, dui)
                sfac, dsfac = _cutoff_function(r, rcut[p], rmin0, switchflag)
                sfac *= weight[p]
                dsfac *= weight[p]
                uvec = (x_ / r, y_ / r, z_ / r)
                for e in range(n_comp):
                    u = comp_index[e]
                    base = 2 * e * L + 3 * n
                    for x in range(3):
                        du[base + x] = dsfac * ur[n, u] * uvec[x] + sfac * dur[u, x]
                        du[base + L + x] = dsfac * ui[n, u] * uvec[x] + sfac * dui[u, x]
            # ∂B = C · ∂U, with C holding the Z factors of the three terms per B, one small GEMM
            # per U block J over the rows of the B that have a term in J (C is ~1/3 non-zero)
            db[: n_b * L] = 0.0
            for jb in range(twojmax + 1):
                cs = comp_start[jb]
                nc = comp_count[jb]
                r0 = block_ptr[jb]
                nr = block_ptr[jb + 1] - r0
                cmat = cbuf[: nr * 2 * nc].reshape((nr, 2 * nc))
                cmat[:, :] = 0.0
                for r in range(nr):
                    k = block_rows[r0 + r]
                    for t in range(3):
                        if bterm[k, t, 1] != cs:
                            continue
                        zoff = bterm[k, t, 0]
                        f = bfac[k, t]
                        for e in range(nc):
                            w = f * comp_weight[cs + e]
                            cmat[r, 2 * e] += w * zr[zoff + e]
                            cmat[r, 2 * e + 1] += w * zi[zoff + e]
                part = tbuf[: nr * L].reshape((nr, L))
                np.dot(cmat, du[2 * cs * L: 2 * (cs + nc) * L].reshape((2 * nc, L)), part)
                for r in range(nr):
                    k = block_rows[r0 + r]
                    for q in range(L):
                        db[k * L + q] += part[r, q]
            for n in range(nn):
                row = row0 + 1 + n
                for k in range(n_b):
                    for x in range(3):
                        g = db[k * L + 3 * n + x]
                        grad[row, k, x] = g
                        grad[row0, k, x] -= g


def bispectrum_values(tables, offsets, vectors, dist, rcut, weight, params):
    """B of every center, shape (n_atoms, n_b). ``params`` = [rfac0, rmin0, wself, switchflag, bzero]."""
    n_atoms = len(offsets) - 1
    values = np.zeros((n_atoms, tables.bterm.shape[0]))
    if n_atoms:
        _values_kernel(_chunks(n_atoms), offsets, vectors, dist, rcut, weight, params,
                       tables.twojmax, tables.u_block, tables.n_u, tables.rootpq, tables.comp_index,
                       tables.comp_weight, tables.zinfo, tables.n_z_values, tables.cg, tables.bterm,
                       tables.bj, values)
    return values


def bispectrum_gradients(tables, offsets, vectors, dist, rcut, weight, params):
    """B (n_atoms, n_b) and grad (n_pairs + n_atoms, n_b, 3): per center, self row then neighbours."""
    n_atoms = len(offsets) - 1
    n_b = tables.bterm.shape[0]
    values = np.zeros((n_atoms, n_b))
    grad = np.zeros((len(dist) + n_atoms, n_b, 3))
    if n_atoms:
        max_neigh = int(np.max(np.diff(offsets)))
        with _single_threaded_blas():
            _gradient_kernel(_chunks(n_atoms), offsets, vectors, dist, rcut, weight, params,
                             tables.twojmax, tables.u_block, tables.n_u, tables.rootpq,
                             tables.comp_index, tables.comp_weight, tables.zinfo, tables.cg,
                             tables.bterm, tables.bfac, tables.bj,
                             (tables.comp_start, tables.comp_count, tables.block_ptr,
                              tables.block_rows), max_neigh, values, grad)
    return values, grad


@njit(cache=True, fastmath=False, parallel=True)
def quadratic_kernel(values, centers, grad, qvalues, qgrad):
    """Products B_k B_l (k < l) and B_k²/2 (LAMMPS ``quadraticflag``) and their gradients."""
    n_b = values.shape[1]
    for i in prange(values.shape[0]):
        q = 0
        for k in range(n_b):
            qvalues[i, q] = 0.5 * values[i, k] * values[i, k]
            q += 1
            for l in range(k + 1, n_b):
                qvalues[i, q] = values[i, k] * values[i, l]
                q += 1
    for p in prange(grad.shape[0]):
        i = centers[p]
        q = 0
        for k in range(n_b):
            for x in range(3):
                qgrad[p, q, x] = values[i, k] * grad[p, k, x]
            q += 1
            for l in range(k + 1, n_b):
                for x in range(3):
                    qgrad[p, q, x] = values[i, k] * grad[p, l, x] + values[i, l] * grad[p, k, x]
                q += 1
