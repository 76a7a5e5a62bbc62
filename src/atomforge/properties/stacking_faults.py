"""Generalized stacking-fault energy lines (γ-lines) by the tilted-cell method.

A fully periodic cell with the slip plane normal along z is sheared by tilting its third
vector: c → c + u ŝ inserts one fault of displacement u along the slip direction ŝ per period.
Ions relax along z only (in-plane forces are constrained, as in Vitek's γ-surface), and
γ(u) = [E(u) − E(0)] / A. fcc: (111)[11-2], intrinsic fault at u = a/√6, unstable fault at the
maximum before it. bcc: (110)[111], u up to b/2 (γ(u) = γ(b − u) by the two-fold axis along the
normal), and (112)[111], u up to b = a√3/2 (no such symmetry: the twinning and antitwinning senses
differ).

The unstable stacking-fault energy is the maximum of the relaxed γ-line, not of its samples: a
bounded Brent search (golden section with parabolic steps, ``scipy.optimize.minimize_scalar``)
on the relaxed γ(u) between the neighbours of the largest sample.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from ase import Atoms
from ase.constraints import FixCartesian
from ase.lattice.cubic import BodyCenteredCubic, FaceCenteredCubic

from ..errors import ConfigError
from ..units import EV_A2_TO_MJ_M2
from .lattice import relax_positions

class SlipSystem(NamedTuple):
    """Crystal directions x (slip), y, z (plane normal), and how far the suite's γ-line goes (fraction of the period)."""

    directions: list
    max_fraction: float


#: (structure, name) → slip system.
SLIP_SYSTEMS = {
    ("fcc", "111_112"): SlipSystem([[1, 1, -2], [-1, 1, 0], [1, 1, 1]], 1.0),
    ("bcc", "110_111"): SlipSystem([[1, -1, 1], [-1, 1, 2], [-1, -1, 0]], 0.5),
    ("bcc", "112_111"): SlipSystem([[1, 1, 1], [1, -1, 0], [1, 1, -2]], 1.0),
}


def slip_cell(element: str, structure: str, a: float, system: str, n_periods: int) -> tuple[Atoms, float]:
    """Orthogonal cell with the slip plane normal along z; returns it and the slip period (Å)."""
    key = (structure, system)
    if key not in SLIP_SYSTEMS:
        raise ConfigError(f"unknown slip system {system!r} for {structure}; known: "
                          f"{[s for (st, s) in SLIP_SYSTEMS if st == structure]}")
    dirs = SLIP_SYSTEMS[key].directions
    cls = FaceCenteredCubic if structure == "fcc" else BodyCenteredCubic
    atoms = cls(symbol=element, latticeconstant=a, directions=dirs, size=(1 if structure == "fcc" else 2, 1, n_periods), pbc=True)
    b = a / np.sqrt(6) if structure == "fcc" else a * np.sqrt(3) / 2
    return Atoms(atoms), float(b)


@dataclass
class GammaLine:
    """γ(u) along one slip system.

    Attributes
    ----------
    system : str
    displacement : ndarray, shape (n,), Å (the evenly spaced samples)
    energy : ndarray, shape (n,), mJ/m² (relaxed along z)
    period : float, Å (a/√6 fcc partial; a√3/2 bcc)
    n_atoms : int
    area : float, Å²
    refined_displacement, refined_energy : ndarray, shape (n_refined,), Å and mJ/m²
        Points the search for the maximum evaluated (empty without refinement).
    """

    system: str
    displacement: np.ndarray
    energy: np.ndarray
    period: float
    n_atoms: int
    area: float
    refined_displacement: np.ndarray = field(default_factory=lambda: np.zeros(0))
    refined_energy: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def _all(self) -> tuple[np.ndarray, np.ndarray]:
        return (np.concatenate([self.displacement[1:], self.refined_displacement]),
                np.concatenate([self.energy[1:], self.refined_energy]))

    @property
    def unstable(self) -> float:
        """Unstable stacking-fault energy (mJ/m²): the largest γ found (samples and refinement) past u = 0."""
        return float(self._all()[1].max())

    @property
    def unstable_displacement(self) -> float:
        """Displacement (Å) of :attr:`unstable`."""
        u, e = self._all()
        return float(u[np.argmax(e)])


def gamma_line(element: str, structure: str, a: float, calc, system: str, *, n_points: int = 11,
               n_periods: int = 4, max_fraction: float = 1.0, relax: bool = True, refine: bool = True,
               fmax: float = 1e-3, xatol: float = 1e-3) -> GammaLine:
    """γ-line along ``system`` for ``u`` from 0 to ``max_fraction`` × period (fcc: 1 = intrinsic fault).

    Parameters
    ----------
    n_periods : int
        Repeats of the stacking period along the normal (fcc: 3 planes, bcc (110): 2, (112): 6 each).
    refine : bool
        Search the maximum of the relaxed γ(u) between the neighbours of the largest sample
        (bounded Brent, to ``xatol`` × period); its points go to ``refined_*``.
    """
    cell0, b = slip_cell(element, structure, a, system, n_periods)
    area = float(np.linalg.norm(np.cross(cell0.cell[0], cell0.cell[1])))
    s_hat = cell0.cell[0] / np.linalg.norm(cell0.cell[0])

    def energy(u: float) -> float:
        atoms = cell0.copy()
        cell = atoms.cell.array.copy()
        cell[2] = cell[2] + u * s_hat
        atoms.set_cell(cell, scale_atoms=False)
        atoms.set_constraint(FixCartesian(np.arange(len(atoms)), mask=(True, True, False)))
        atoms.calc = calc
        return relax_positions(atoms, calc, fmax=fmax) if relax else atoms.get_potential_energy()

    us = np.linspace(0.0, max_fraction * b, n_points)
    e_raw = np.array([energy(u) for u in us])
    scale = EV_A2_TO_MJ_M2 / area
    line = GammaLine(system, us, (e_raw - e_raw[0]) * scale, b, len(cell0), area)
    if refine and n_points > 2:
        from scipy.optimize import minimize_scalar

        k = int(np.argmax(line.energy[1:])) + 1
        lo, hi = us[k - 1], us[min(k + 1, n_points - 1)]
        seen = []

        def minus_gamma(u):
            g = (energy(u) - e_raw[0]) * scale
            seen.append((u, g))
            return -g

        minimize_scalar(minus_gamma, bounds=(lo, hi), method="bounded", options={"xatol": xatol * b})
        line.refined_displacement, line.refined_energy = (np.array(v) for v in zip(*seen))
    return line
