"""Equation of state: E(V), the third-order Birch–Murnaghan fit, and the Δ gauge.

Birch (1947), Phys. Rev. 71, 809, Eq. (3):
E(V) = E0 + 9 V0 B / 16 {[(V0/V)^(2/3) − 1]^3 B' + [(V0/V)^(2/3) − 1]^2 [6 − 4 (V0/V)^(2/3)]}.
It is a cubic polynomial in x = V^(−2/3), so it is fitted by linear least squares and the four
parameters follow in closed form. The Δ gauge is that of Lejaeghere et al., Crit. Rev. Solid
State Mater. Sci. 39, 1 (2014): the RMS difference of two E(V) curves, minima aligned, over
V0 ± 6 %.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ase import Atoms

from ..errors import ConvergenceError
from ..units import EV_A3_TO_GPA


@dataclass
class BirchMurnaghan:
    """Third-order Birch–Murnaghan parameters per atom.

    Attributes
    ----------
    v0 : float, Å³/atom
    e0 : float, eV/atom
    b : float, eV/Å³ (``b_gpa`` in GPa)
    bp : float, dimensionless B'
    """

    v0: float
    e0: float
    b: float
    bp: float

    @property
    def b_gpa(self) -> float:
        return self.b * EV_A3_TO_GPA

    def energy(self, v) -> np.ndarray:
        """E(V) in eV/atom for volumes ``v`` in Å³/atom."""
        eta = (self.v0 / np.asarray(v, dtype=float)) ** (2.0 / 3.0) - 1.0
        return self.e0 + 9.0 * self.v0 * self.b / 16.0 * (eta**3 * self.bp + eta**2 * (6.0 - 4.0 * (eta + 1.0)))


def fit_birch_murnaghan(volumes, energies) -> BirchMurnaghan:
    """Fit E(V) (Å³/atom, eV/atom, at least 4 points) by the third-order Birch–Murnaghan form."""
    v = np.asarray(volumes, dtype=float)
    e = np.asarray(energies, dtype=float)
    x = v ** (-2.0 / 3.0)
    c3, c2, c1, c0 = np.polyfit(x, e, 3)
    # E(x) = c0 + c1 x + c2 x^2 + c3 x^3; minimum where c1 + 2 c2 x + 3 c3 x^2 = 0
    roots = np.roots([3 * c3, 2 * c2, c1])
    roots = roots[np.isreal(roots)].real
    curv = 2 * c2 + 6 * c3 * roots
    roots = roots[(roots > 0) & (curv > 0)]
    if roots.size == 0:
        raise ConvergenceError("E(V) has no minimum in the Birch–Murnaghan fit; widen or center the volume range")
    x0 = roots[np.argmin(np.abs(roots - x.mean()))]
    v0 = x0 ** (-1.5)
    e0 = c0 + c1 * x0 + c2 * x0**2 + c3 * x0**3
    # B = V d2E/dV2 at V0; with dx/dV = -2/3 x/V, at a stationary point d2E/dV2 = E''(x) (dx/dV)^2
    dxdv = -2.0 / 3.0 * x0 / v0
    b = v0 * (2 * c2 + 6 * c3 * x0) * dxdv**2
    # B' = -(1 + V d3E/dV3 / d2E/dV2) at V0
    d2x = 10.0 / 9.0 * x0 / v0**2
    e1, e2, e3 = c1 + 2 * c2 * x0 + 3 * c3 * x0**2, 2 * c2 + 6 * c3 * x0, 6 * c3
    d3x = -80.0 / 27.0 * x0 / v0**3
    d2e = e2 * dxdv**2 + e1 * d2x
    d3e = e3 * dxdv**3 + 3 * e2 * dxdv * d2x + e1 * d3x
    bp = -1.0 - v0 * d3e / d2e
    return BirchMurnaghan(float(v0), float(e0), float(b), float(bp))


def energy_volume(atoms: Atoms, calc, *, strain: float = 0.06, n_points: int = 11,
                  relax_ions: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """E(V) per atom over volumes (1 ± ``strain``) × V of ``atoms`` (isotropic scaling).

    Returns
    -------
    volumes : ndarray, shape (n_points,), Å³/atom
    energies : ndarray, shape (n_points,), eV/atom
    """
    from .lattice import relax_positions

    n = len(atoms)
    scales = np.linspace(1.0 - strain, 1.0 + strain, n_points)
    vols, ens = [], []
    for s in scales:
        a = atoms.copy()
        a.set_cell(atoms.cell.array * s ** (1.0 / 3.0), scale_atoms=True)
        a.calc = calc
        e = relax_positions(a, calc) if relax_ions else a.get_potential_energy()
        vols.append(a.get_volume() / n)
        ens.append(e / n)
    return np.array(vols), np.array(ens)


def delta_gauge(eos1: BirchMurnaghan, eos2: BirchMurnaghan, *, strain: float = 0.06, n: int = 2001) -> float:
    """Δ between two EOS (meV/atom): RMS of E1 − E2 with both minima at zero, over V̄0 (1 ± strain).

    V̄0 is the mean of the two equilibrium volumes.
    """
    vm = 0.5 * (eos1.v0 + eos2.v0)
    v = np.linspace(vm * (1 - strain), vm * (1 + strain), n)
    d = (eos1.energy(v) - eos1.e0) - (eos2.energy(v) - eos2.e0)
    return float(np.sqrt(np.trapezoid(d**2, v) / (v[-1] - v[0])) * 1000.0)
