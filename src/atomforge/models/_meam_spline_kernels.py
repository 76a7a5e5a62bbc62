"""Numba kernels of the spline-MEAM energy and its gradient over a full neighbor list.

Splines are packed in a table: ``knots (n_splines, max_knots, 3)`` holding x, y, y''
(rows past a spline's own knot count unused), ``ends (n_splines, 2)`` = (d0, dN) and
``n_knots (n_splines,)``. Function ids per element or element pair index the table (-1: absent).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .spline import spline_eval


@njit(cache=True, fastmath=False)
def _eval(knots, ends, n_knots, s, t):
    k = n_knots[s]
    return spline_eval(knots[s, :k, 0], knots[s, :k, 1], knots[s, :k, 2], ends[s, 0], ends[s, 1], t)


@njit(cache=True, fastmath=False)
def _center(i, table, ids, types, off, nbr, vectors, distances, cutoff, fv, fd, grad):
    """Energy of atom ``i`` and ∂E_i/∂r_ij (written to ``grad`` rows of i's pairs)."""
    knots, ends, n_knots, u0 = table
    phi_id, rho_id, u_id, f_id, g_id = ids
    ti = types[i]
    e = 0.0
    n = 0.0
    three_body = f_id[0] >= 0
    for p in range(off[i], off[i + 1]):
        r = distances[p]
        if r >= cutoff:
            continue
        tj = types[nbr[p]]
        if phi_id[ti, tj] >= 0:
            e += 0.5 * _eval(knots, ends, n_knots, phi_id[ti, tj], r)[0]
        if rho_id[tj] >= 0:
            n += _eval(knots, ends, n_knots, rho_id[tj], r)[0]
        if three_body:
            fv[p], fd[p] = _eval(knots, ends, n_knots, f_id[tj], r)
            for q in range(off[i], p):
                if distances[q] >= cutoff:
                    continue
                cos = (vectors[p, 0] * vectors[q, 0] + vectors[p, 1] * vectors[q, 1]
                       + vectors[p, 2] * vectors[q, 2]) / (r * distances[q])
                n += fv[p] * fv[q] * _eval(knots, ends, n_knots, g_id[tj, types[nbr[q]]], cos)[0]
    du = 0.0
    if u_id[ti] >= 0:
        uval, du = _eval(knots, ends, n_knots, u_id[ti], n)
        e += uval - u0[ti]
    for p in range(off[i], off[i + 1]):
        r = distances[p]
        for c in range(3):
            grad[p, c] = 0.0
        if r >= cutoff:
            continue
        tj = types[nbr[p]]
        s = 0.0  # radial part of dE_i/dr_p
        if phi_id[ti, tj] >= 0:
            s += 0.5 * _eval(knots, ends, n_knots, phi_id[ti, tj], r)[1]
        if rho_id[tj] >= 0:
            s += du * _eval(knots, ends, n_knots, rho_id[tj], r)[1]
        for c in range(3):
            grad[p, c] += s * vectors[p, c] / r
    if three_body and du != 0.0:
        for p in range(off[i], off[i + 1]):
            rp = distances[p]
            if rp >= cutoff:
                continue
            tj = types[nbr[p]]
            for q in range(off[i], p):
                rq = distances[q]
                if rq >= cutoff:
                    continue
                cos = (vectors[p, 0] * vectors[q, 0] + vectors[p, 1] * vectors[q, 1]
                       + vectors[p, 2] * vectors[q, 2]) / (rp * rq)
                gv, gd = _eval(knots, ends, n_knots, g_id[tj, types[nbr[q]]], cos)
                ap = du * fd[p] * fv[q] * gv  # d/dr_p along the unit vector
                aq = du * fv[p] * fd[q] * gv
                b = du * fv[p] * fv[q] * gd  # times dcos
                for c in range(3):
                    up = vectors[p, c] / rp
                    uq = vectors[q, c] / rq
                    grad[p, c] += ap * up + b * (uq - cos * up) / rp
                    grad[q, c] += aq * uq + b * (up - cos * uq) / rq
    return e


@njit(cache=True, fastmath=False, parallel=True)
def meam_energy_gradient(table, ids, types, off, nbr, vectors, distances, cutoff):
    """Per-atom energies (n_atoms,) eV and ∂E/∂r_ij per pair (n_pairs, 3) eV/Å.

    ``vectors[p] = r_j - r_i`` for pair p = (i, j); E = Σ_i E_i with
    E_i = ½ Σ_j φ(r_ij) + U(n_i) − U(0).
    """
    n_atoms = off.shape[0] - 1
    n_pairs = distances.shape[0]
    energies = np.zeros(n_atoms)
    grad = np.zeros((n_pairs, 3))
    fv = np.zeros(n_pairs)
    fd = np.zeros(n_pairs)
    for i in prange(n_atoms):
        energies[i] = _center(i, table, ids, types, off, nbr, vectors, distances, cutoff, fv, fd, grad)
    return energies, grad


@njit(cache=True, fastmath=False)
def forces_virial(n_atoms, centers, nbr, vectors, grad):
    """Forces (n_atoms, 3) eV/Å and virial Σ_p r_p ⊗ ∂E/∂r_p (3, 3) eV from pair gradients."""
    forces = np.zeros((n_atoms, 3))
    virial = np.zeros((3, 3))
    for p in range(centers.shape[0]):
        for c in range(3):
            forces[centers[p], c] += grad[p, c]
            forces[nbr[p], c] -= grad[p, c]
            for d in range(3):
                virial[c, d] += vectors[p, c] * grad[p, d]
    return forces, virial
