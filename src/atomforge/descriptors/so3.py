"""The smooth SO(3) power spectrum, as LAMMPS ML-IAP ``descriptor so3`` defines it.

Bartók, Kondor, Csányi, Phys. Rev. B 87, 184115 (2013), section IV.B (eqs. 23–25, the polynomial
radial basis); Zagaceta, Yanxon, Zhu, J. Appl. Phys. 128, 045113 (2020) (the pyxtal_ff form
LAMMPS implements). For a center i with neighbours j (weights w_j, distances r_j < r_c):

    ρ_i(r) = Σ_j w_j f_c(r_j) exp(−α |r − r_j|²)                      Gaussian-smeared density
    c_nlm  = Σ_j w_j f_c(r_j) R_nl(r_j) Y_lm(r̂_j)
    R_nl(r) = 4π e^{−α r²} ∫_0^{r_c} g_n(s) s² e^{−α s²} i_l(2α r s) ds
    p_{n1 n2 l} = 2√2 π / √(2l+1) · Σ_m c_{n1 lm} c*_{n2 lm}              n2 ≤ n1

with f_c(r) = ½(cos(π r / r_c) + 1), r_c = ``rcutfac``, i_l the modified spherical Bessel functions
of the first kind, and g_n = Σ_a W_na φ_a with
φ_a(r) = (r_c − r)^{a+2} / √(2 r_c^{2a+7} / ((2a+5)(2a+6)(2a+7))), a = 1..nmax, and W = S^{−1/2}
with S the overlap of the φ_a (so the g_n are orthonormal on (0, r_c) with weight r²).
The integral is the Chebyshev–Gauss quadrature of LAMMPS (N = 10 (nmax + lmax + 1) nodes); R_nl and
its derivatives are tabulated once per setting and interpolated (quintic Hermite, error below 1e-13 of
max |R|). Features come in LAMMPS order: n1 = 1..nmax, n2 = 1..n1, l = 0..lmax.

Agreement with LAMMPS is limited by LAMMPS' own rounding in two places. W: the overlap S has
condition number 3.5e5, 1.5e7, 6e8 for nmax = 4, 5, 6; LAMMPS inverts it twice and diagonalises it by
Jacobi rotations, and its power spectra differ from ours (W by ``numpy.linalg.eigh``) by 1e-11, 2e-8,
3e-5 of the largest value (60-atom Cu cell). i_l: LAMMPS recurs upwards from sinh and cosh at every
node, which loses digits for small arguments: its R_nl at a 2.5 Å neighbour is off by 3e-11 (l = 5),
3e-7 (l = 6); here i_l are summed as series there. With nmax ≤ 4 and lmax ≤ 5, values agree to
~1e-11 and gradients to ~5e-10 of the largest entry.
"""

from __future__ import annotations

from functools import lru_cache
from typing import ClassVar

import numpy as np
from ase.data import atomic_numbers
from scipy.special import factorial

from ..errors import ConfigError
from ..neighbors import neighbor_list
from ._so3_kernels import (interpolate_many, power_spectrum_gradients, power_spectrum_values,
                           radial_table_kernel)
from .base import DescriptorBase, DescriptorOutput, as_frame, element_types, per_element

#: Largest 2 α r_c² for which sinh(2 α r s) stays finite in double precision (LAMMPS overflows too).
_MAX_BESSEL_ARGUMENT = 700.0


def radial_quadrature(nmax: int, lmax: int, rcut: float, alpha: float):
    """Nodes and weights of the radial integral: R_nl(r) = 4π e^{−α r²} Σ_q g[n, q] i_l(2α r x[q]).

    Chebyshev–Gauss nodes on (0, rcut), N = 10 (nmax + lmax + 1) of them, each weight holding
    s² g_n(s) e^{−α s²} and the quadrature factor, as LAMMPS ML-IAP so3 does.

    Returns
    -------
    x : ndarray, shape (N,), Å
    g : ndarray, shape (nmax, N)
    """
    n_q = 10 * (nmax + lmax + 1)
    t = np.cos((2 * np.arange(1, n_q + 1) - 1) * np.pi / (2 * n_q))
    x = rcut / 2 * (t + 1)
    a = np.arange(1, nmax + 1)
    c = ((2 * a + 5) * (2 * a + 6) * (2 * a + 7)).astype(float)
    s = a[:, None] + a[None, :]
    overlap = np.sqrt(np.outer(c, c)) / ((5 + s) * (6 + s) * (7 + s))   # (nmax, nmax)
    evals, evecs = np.linalg.eigh(overlap)
    w = (evecs / np.sqrt(evals)) @ evecs.T                              # S^(-1/2)
    phi = (rcut - x) ** (a[:, None] + 2) / np.sqrt(2 * rcut ** (2 * a[:, None] + 7) / c[:, None])
    g = rcut / 2 * np.pi / n_q * np.sqrt(1 - t * t) * x * x * (w @ phi) * np.exp(-alpha * x * x)
    return x, np.ascontiguousarray(g)


#: Interpolation error allowed in R (and in R'), relative to the largest |R| (|R'|) on (0, r_c).
TABLE_TOLERANCE = (1e-13, 1e-11)


@lru_cache(maxsize=32)
def radial_table(nmax: int, lmax: int, rcut: float, alpha: float):
    """R_nl, R_nl', R_nl'' on a uniform grid over [0, rcut] for quintic Hermite interpolation.

    The grid step halves until, at every midpoint, the interpolated R and R' are within
    :data:`TABLE_TOLERANCE` of the quadrature.

    Returns
    -------
    h : float
        Grid step, Å.
    table : ndarray, shape (n_grid, nmax, lmax + 1, 3)
        R, R' (1/Å), R'' (1/Å²) at r = k h.
    """
    x, g = radial_quadrature(nmax, lmax, rcut, alpha)
    n = 64 * int(np.ceil(rcut * np.sqrt(alpha)))
    while True:
        h = rcut / n
        table = radial_table_kernel(np.arange(n + 1) * h, alpha, x, g, lmax)
        mid = (np.arange(n) + 0.5) * h
        exact = radial_table_kernel(mid, alpha, x, g, lmax)
        f, df = interpolate_many(mid, h, table)
        err = [np.abs(f - exact[..., 0]).max() / np.abs(table[..., 0]).max(),
               np.abs(df - exact[..., 1]).max() / np.abs(table[..., 1]).max()]
        if err[0] <= TABLE_TOLERANCE[0] and err[1] <= TABLE_TOLERANCE[1]:
            return h, table
        if n >= 2 ** 16:
            raise ConfigError(f"PowerSpectrumSO3: no radial table within {TABLE_TOLERANCE} for "
                              f"nmax={nmax}, lmax={lmax}, rcutfac={rcut}, alpha={alpha} (error {err})")
        n *= 2


def _norms(lmax: int):
    """norm_l = 2√2π/√(2l+1) of p, and N_lm (index l² + l + m, m ≥ 0) of the real Y_lm."""
    l = np.arange(lmax + 1)
    norm_l = 2 * np.sqrt(2) * np.pi / np.sqrt(2 * l + 1)
    norm_lm = np.zeros((lmax + 1) ** 2)
    for ll in range(lmax + 1):
        for m in range(ll + 1):
            n = np.sqrt((2 * ll + 1) / (4 * np.pi) * factorial(ll - m) / factorial(ll + m))
            norm_lm[ll * ll + ll + m] = n * (np.sqrt(2) if m else 1.0)
    return norm_l, norm_lm


class PowerSpectrumSO3(DescriptorBase):
    """Smooth SO(3) power spectrum p_{n1 n2 l} of every atom, with sparse analytic gradients.

    Parameters (keyword only; the keywords of a LAMMPS ML-IAP so3 descriptor file)
    ----------
    elements : list of str
        Element symbols; their order is the LAMMPS type order (type k+1 = ``elements[k]``).
    nmax : int
        Number of radial basis functions, ≥ 1 (default 4).
    lmax : int
        Largest angular momentum, ≥ 0 (default 3).
    alpha : float
        Width parameter of the neighbour Gaussians exp(−α r²), 1/Å² (default 2.0).
    rcutfac : float
        Cutoff r_c of the radial basis and of f_c, Å (default 4.7).
    radii : list of float or dict
        Per-element radius: neighbour j of i counts when r_ij < rcutfac (radii_i + radii_j)
        (LAMMPS ``radelems``). Default 0.5 (cutoff r_c). Radii summing below 1 cut pairs off where
        f_c is not yet zero (a discontinuity, as in LAMMPS); above 1 they change nothing.
    weights : list of float or dict
        Per-element neighbour weight w (LAMMPS ``welems``). Default 1.0. LAMMPS reads them as
        integers (it truncates 0.63 to 0), so only whole numbers can be exported.

    Notes
    -----
    ``n_features`` = nmax (nmax + 1) / 2 · (lmax + 1). ``compute`` returns ``grad[p] = +∂p_i/∂r_j``
    (1/Å times the unit of p) for every pair ``(i, j) = pairs[p]``: one self row per center
    (first among its rows), then one row per neighbour image. pyxtal_ff's SO3 equals this
    descriptor with weights = atomic numbers. The kernels run in parallel over centers on numba's
    threads.
    """

    name: ClassVar[str] = "so3"

    def __init__(self, *, elements: list[str], nmax: int = 4, lmax: int = 3, alpha: float = 2.0,
                 rcutfac: float = 4.7, radii: list[float] | dict[str, float] | None = None,
                 weights: list[float] | dict[str, float] | None = None):
        self.elements = list(elements)
        self.nmax = nmax
        self.lmax = lmax
        self.alpha = alpha
        self.rcutfac = rcutfac
        self.radii = per_element("PowerSpectrumSO3", "radii", radii, self.elements, 0.5)
        self.weights = per_element("PowerSpectrumSO3", "weights", weights, self.elements, 1.0)

    # -- spec ---------------------------------------------------------------------------------
    def _check(self) -> None:
        def bad(key, allowed):
            raise ConfigError(f"PowerSpectrumSO3: '{key}' must be {allowed}, got {getattr(self, key)!r}")

        if not self.elements or any(s not in atomic_numbers for s in self.elements):
            bad("elements", "a non-empty list of element symbols")
        for key, least in (("nmax", 1), ("lmax", 0)):
            value = getattr(self, key)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < least:
                bad(key, f"an integer >= {least}")
        if not self.rcutfac > 0:
            bad("rcutfac", "> 0")
        if not 0 < self.alpha <= _MAX_BESSEL_ARGUMENT / (2 * self.rcutfac ** 2):
            bad("alpha", f"in (0, {_MAX_BESSEL_ARGUMENT / (2 * self.rcutfac ** 2):.6g}] "
                         "(larger values overflow sinh(2 alpha r s) at this rcutfac)")
        for key in ("radii", "weights"):
            if len(getattr(self, key)) != len(self.elements):
                bad(key, f"a list of {len(self.elements)} numbers, one per element")
        if not all(r > 0 for r in self.radii):
            bad("radii", "positive")

    def to_dict(self) -> dict:
        """JSON-safe hyperparameters (``from_dict`` rebuilds an equal descriptor)."""
        return {"elements": list(self.elements), "nmax": int(self.nmax), "lmax": int(self.lmax),
                "alpha": float(self.alpha), "rcutfac": float(self.rcutfac),
                "radii": [float(r) for r in self.radii], "weights": [float(w) for w in self.weights]}

    # -- features -----------------------------------------------------------------------------
    @property
    def cutoff(self) -> float:
        """Largest distance at which a neighbour contributes, Å."""
        return float(self.rcutfac * min(1.0, 2 * max(self.radii)))

    @property
    def n_features(self) -> int:
        return int(self.nmax * (self.nmax + 1) // 2 * (self.lmax + 1))

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(f"p[n1={n1},n2={n2},l={l}]" for n1 in range(1, self.nmax + 1)
                     for n2 in range(1, n1 + 1) for l in range(self.lmax + 1))

    # -- compute ------------------------------------------------------------------------------
    def compute(self, frame, *, gradients: bool = False) -> DescriptorOutput:
        """Power spectrum of every atom of ``frame`` (a Frame or ase.Atoms).

        Returns
        -------
        DescriptorOutput
            ``values`` (n_atoms, n_features); with ``gradients``: ``pairs`` (n_pairs, 2),
            ``grad`` (n_pairs, n_features, 3) = +∂p_i/∂r_j in 1/Å, ``vectors`` (n_pairs, 3) Å.
        """
        self._check()
        frame = as_frame(frame)
        atoms = frame.atoms
        types = element_types(frame, self.elements)
        n_atoms = len(atoms)
        radii = np.asarray(self.radii, dtype=np.float64)
        nl = neighbor_list(atoms, self.cutoff)
        keep = (nl.distances < self.rcutfac * (radii[types[nl.i]] + radii[types[nl.j]])) \
            & (nl.distances > 1e-8)
        i, j = nl.i[keep], nl.j[keep]
        vectors = np.ascontiguousarray(nl.vectors[keep])
        dist = np.ascontiguousarray(nl.distances[keep])
        weight = np.asarray(self.weights, dtype=np.float64)[types[j]]
        offsets = np.zeros(n_atoms + 1, dtype=np.int64)
        np.cumsum(np.bincount(i, minlength=n_atoms), out=offsets[1:])
        settings = np.array([self.rcutfac, self.lmax], dtype=np.float64)
        radial = radial_table(int(self.nmax), int(self.lmax), float(self.rcutfac), float(self.alpha))
        args = (offsets, vectors, dist, weight, settings, radial, _norms(int(self.lmax)), self.n_features)
        numbers = np.asarray(atoms.numbers, dtype=np.int64)
        if not gradients:
            return DescriptorOutput(values=power_spectrum_values(*args), numbers=numbers)
        values, grad = power_spectrum_gradients(*args)
        n_rows = len(dist) + n_atoms
        is_self = np.zeros(n_rows, dtype=bool)
        is_self[offsets[:-1] + np.arange(n_atoms)] = True
        pairs = np.empty((n_rows, 2), dtype=np.int64)
        pairs[is_self] = np.arange(n_atoms)[:, None]
        pairs[~is_self, 0] = i
        pairs[~is_self, 1] = j
        all_vectors = np.zeros((n_rows, 3))
        all_vectors[~is_self] = vectors
        return DescriptorOutput(values=values, numbers=numbers, pairs=pairs, grad=grad,
                                vectors=all_vectors)
