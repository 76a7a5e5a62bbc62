"""Numba kernels of the embedded atom density (EAD) and its sparse gradients.

Per center i, neighbour images n (vector d_n = (x, y, z), r_n = |d_n|, weight w_n), radial
channel a = (η, R_s) and monomial k = (l_x, l_y, l_z) with |k| = l_x + l_y + l_z ≤ L_max:

* φ_a(n)   = w_n f_c(r_n) exp(−η (r_n − R_s)²)
* T[a, k]  = Σ_n φ_a(n) x^l_x y^l_y z^l_z
* ρ[L, a]  = Σ_{|k| = L} c_k T[a, k]²,  c_k = L! / (l_x! l_y! l_z!) / r_c^(2L)
* ∂ρ[L, a]/∂d_n = 2 Σ_{|k| = L} c_k T[a, k] (φ_a'(r_n) m_k d_n / r_n + φ_a(n) ∇m_k(d_n))

Two passes over the neighbours of a center: T first, then the gradient rows. The self row is
minus the sum of the neighbour rows. Parallel over chunks of centers.
"""

from __future__ import annotations

from math import factorial

import numba
import numpy as np
from numba import njit, prange

from ._cutoffs import cutoff_and_derivative


def monomials(lmax: int, rcut: float):
    """Exponents (n_mono, 3) int64 ordered by |k|, |k| (n_mono,) int64, c_k (n_mono,)."""
    exps = [(lx, ly, big - lx - ly) for big in range(lmax + 1)
            for lx in range(big, -1, -1) for ly in range(big - lx, -1, -1)]
    exps = np.array(exps, dtype=np.int64).reshape(-1, 3)
    shell = exps.sum(axis=1)
    coef = np.array([factorial(int(s)) / (factorial(int(a)) * factorial(int(b)) * factorial(int(c)))
                     / rcut ** (2 * int(s)) for (a, b, c), s in zip(exps, shell)])
    return exps, shell, coef


@njit(cache=True, fastmath=False)
def _powers(v, lmax, out):
    out[0] = 1.0
    for q in range(1, lmax + 1):
        out[q] = out[q - 1] * v


@njit(cache=True, fastmath=False)
def _radial(r, w, kind, rc, etas, rs, phi, dphi):
    """φ_a and dφ_a/dr of one neighbour for every channel a = e * n_rs + s."""
    fc, dfc = cutoff_and_derivative(kind, r, rc)
    n_rs = rs.shape[0]
    for e in range(etas.shape[0]):
        for s in range(n_rs):
            dr = r - rs[s]
            g = w * np.exp(-etas[e] * dr * dr)
            phi[e * n_rs + s] = g * fc
            dphi[e * n_rs + s] = g * (dfc - 2.0 * etas[e] * dr * fc)


@njit(cache=True, fastmath=False)
def _center(p0, p1, env, kind, rc, etas, rs, mono, values, grad, row0, with_grad, work):
    vectors, dist, weight = env[1], env[2], env[3]
    exps, shell, coef = mono
    n_mono = exps.shape[0]
    lmax = shell[n_mono - 1]
    n_a = etas.shape[0] * rs.shape[0]
    t, phi, dphi, px, py, pz, g, h = work
    t[:, :] = 0.0
    for n in range(p1 - p0):
        p = p0 + n
        _radial(dist[p], weight[p], kind, rc, etas, rs, phi, dphi)
        _powers(vectors[p, 0], lmax, px)
        _powers(vectors[p, 1], lmax, py)
        _powers(vectors[p, 2], lmax, pz)
        for k in range(n_mono):
            m = px[exps[k, 0]] * py[exps[k, 1]] * pz[exps[k, 2]]
            for a in range(n_a):
                t[a, k] += phi[a] * m
    for k in range(n_mono):
        for a in range(n_a):
            values[shell[k] * n_a + a] += coef[k] * t[a, k] * t[a, k]
    if not with_grad:
        return
    for n in range(p1 - p0):
        p = p0 + n
        r = dist[p]
        _radial(r, weight[p], kind, rc, etas, rs, phi, dphi)
        _powers(vectors[p, 0], lmax, px)
        _powers(vectors[p, 1], lmax, py)
        _powers(vectors[p, 2], lmax, pz)
        g[:, :] = 0.0                     # Σ_k c_k T m_k per (L, a)
        h[:, :, :] = 0.0                  # Σ_k c_k T ∇m_k per (L, a)
        for k in range(n_mono):
            lx, ly, lz = exps[k, 0], exps[k, 1], exps[k, 2]
            m = px[lx] * py[ly] * pz[lz]
            mx = lx * px[lx - 1] * py[ly] * pz[lz] if lx > 0 else 0.0
            my = ly * px[lx] * py[ly - 1] * pz[lz] if ly > 0 else 0.0
            mz = lz * px[lx] * py[ly] * pz[lz - 1] if lz > 0 else 0.0
            big = shell[k]
            for a in range(n_a):
                c = coef[k] * t[a, k]
                g[big, a] += c * m
                h[big, a, 0] += c * mx
                h[big, a, 1] += c * my
                h[big, a, 2] += c * mz
        row = row0 + 1 + n
        for big in range(lmax + 1):
            for a in range(n_a):
                s = 2.0 * dphi[a] * g[big, a] / r
                f = big * n_a + a
                for x in range(3):
                    v = s * vectors[p, x] + 2.0 * phi[a] * h[big, a, x]
                    grad[row, f, x] = v
                    grad[row0, f, x] -= v


@njit(cache=True, fastmath=False, parallel=True)
def _kernel(chunks, env, kind, rc, etas, rs, mono, values, grad, with_grad):
    offsets = env[0]
    n_mono = mono[0].shape[0]
    lmax = mono[1][n_mono - 1]
    n_a = etas.shape[0] * rs.shape[0]
    for c in prange(chunks.shape[0] - 1):
        work = (np.empty((n_a, n_mono)), np.empty(n_a), np.empty(n_a), np.empty(lmax + 1),
                np.empty(lmax + 1), np.empty(lmax + 1), np.empty((lmax + 1, n_a)),
                np.empty((lmax + 1, n_a, 3)))
        for i in range(chunks[c], chunks[c + 1]):
            _center(offsets[i], offsets[i + 1], env, kind, rc, etas, rs, mono, values[i], grad,
                    offsets[i] + i, with_grad, work)


def embedded_atom_density(env, kind, rc, etas, rs, lmax, with_grad):
    """Values (n_atoms, (lmax+1)·n_eta·n_rs) and, if ``with_grad``, grad (n_pairs + n_atoms, …, 3).

    ``env`` = (offsets, vectors, dist, weight) of :class:`Neighborhoods` pairs. Feature
    ``L·n_eta·n_rs + e·n_rs + s`` is ρ[L, (etas[e], rs[s])].
    """
    offsets = env[0]
    n_atoms = len(offsets) - 1
    n_features = (lmax + 1) * len(etas) * len(rs)
    values = np.zeros((n_atoms, n_features))
    grad = np.zeros((len(env[2]) + n_atoms if with_grad else 0, n_features, 3))
    if n_atoms:
        n_chunks = max(1, min(n_atoms, 4 * numba.get_num_threads()))
        chunks = np.linspace(0, n_atoms, n_chunks + 1).astype(np.int64)
        _kernel(chunks, env, kind, float(rc), etas, rs, monomials(lmax, rc), values, grad, with_grad)
    return values, (grad if with_grad else None)
