"""The SO(3) power spectrum written out term by term with SciPy: complex Y_lm, spherical_in, eigh.

Shares nothing with ``atomforge.descriptors._so3_kernels`` but the neighbour list: the radial
integral is the Chebyshev–Gauss sum of LAMMPS evaluated at each distance (no table), the angular
part uses SciPy's complex spherical harmonics.
"""

from __future__ import annotations

import numpy as np
from scipy.special import sph_harm_y, spherical_in

from atomforge.neighbors import neighbor_list


def radial(r, nmax, lmax, rcut, alpha):
    """R_nl(r), shape (nmax, lmax + 1), by the quadrature of LAMMPS ML-IAP so3."""
    n_q = 10 * (nmax + lmax + 1)
    t = np.cos((2 * np.arange(1, n_q + 1) - 1) * np.pi / (2 * n_q))
    x = rcut / 2 * (t + 1)
    a = np.arange(1, nmax + 1)[:, None]
    c = (2 * a + 5) * (2 * a + 6) * (2 * a + 7)
    phi = (rcut - x) ** (a + 2) / np.sqrt(2 * rcut ** (2 * a + 7) / c)               # (nmax, n_q)
    s = a + a.T
    overlap = np.sqrt((c * c.T).astype(float)) / ((5 + s) * (6 + s) * (7 + s))
    ev, vec = np.linalg.eigh(overlap)
    g = vec @ np.diag(ev ** -0.5) @ vec.T @ phi                                      # g_n(x_q)
    weights = rcut / 2 * np.pi / n_q * np.sqrt(1 - t * t) * x * x * g * np.exp(-alpha * x * x)
    bessel = spherical_in(np.arange(lmax + 1)[None, :], 2 * alpha * r * x[:, None])  # (n_q, lmax+1)
    return 4 * np.pi * np.exp(-alpha * r * r) * weights @ bessel


def power_spectrum(atoms, elements, nmax, lmax, alpha, rcutfac, radii, weights):
    """p_{n1 n2 l} of every atom, shape (n_atoms, nmax (nmax + 1) / 2 · (lmax + 1))."""
    types = np.array([elements.index(s) for s in atoms.get_chemical_symbols()])
    radii = np.asarray(radii, float)
    nl = neighbor_list(atoms, rcutfac * 2 * radii.max())
    out = []
    for i in range(len(atoms)):
        c = np.zeros((nmax, lmax + 1, 2 * lmax + 1), complex)
        for vec, r, j in zip(nl.vectors[nl.i == i], nl.distances[nl.i == i], nl.j[nl.i == i]):
            if r >= rcutfac * (radii[types[i]] + radii[types[j]]) or r >= rcutfac:
                continue
            fc = 0.5 * (np.cos(np.pi * r / rcutfac) + 1)
            rad = weights[types[j]] * fc * radial(r, nmax, lmax, rcutfac, alpha)
            theta, azimuth = np.arccos(vec[2] / r), np.arctan2(vec[1], vec[0])
            for l in range(lmax + 1):
                for m in range(-l, l + 1):
                    c[:, l, m + l] += rad[:, l] * sph_harm_y(l, m, theta, azimuth)
        p = [2 * np.sqrt(2) * np.pi / np.sqrt(2 * l + 1) * np.vdot(c[n2, l], c[n1, l]).real
             for n1 in range(nmax) for n2 in range(n1 + 1) for l in range(lmax + 1)]
        out.append(p)
    return np.array(out)
