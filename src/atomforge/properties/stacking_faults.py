"""Generalized stacking-fault energy lines (γ-lines) by the tilted-cell method.

A fully periodic cell with the slip plane normal along z is sheared by tilting its third
vector: c → c + u ŝ inserts one fault of displacement u along the slip direction ŝ per period.
Ions relax along z only (in-plane forces are constrained, as in Vitek's γ-surface), and
γ(u) = [E(u) − E(0)] / A. fcc: (111)[11-2], intrinsic fault at u = a/√6, unstable fault at the
maximum before it. bcc: (110)[111] and (112)[111], u up to b = a√3/2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ase import Atoms
from ase.constraints import FixCartesian
from ase.lattice.cubic import BodyCenteredCubic, FaceCenteredCubic

from ..errors import ConfigError
from ..units import EV_A2_TO_MJ_M2
from .lattice import relax_positions

#: (structure, name) → (x, y, z) crystal directions (z = plane normal) and the slip direction index.
SLIP_SYSTEMS = {
    ("fcc", "111_112"): ([[1, 1, -2], [-1, 1, 0], [1, 1, 1]], 0),
    ("bcc", "110_111"): ([[1, -1, 1], [-1, 1, 2], [-1, -1, 0]], 0),
    ("bcc", "112_111"): ([[1, 1, 1], [1, -1, 0], [1, 1, -2]], 0),
}


def slip_cell(element: str, structure: str, a: float, system: str, n_periods: int) -> tuple[Atoms, float]:
    """Orthogonal cell with the slip plane normal along z; returns it and the slip period (Å)."""
    key = (structure, system)
    if key not in SLIP_SYSTEMS:
        raise ConfigError(f"unknown slip system {system!r} for {structure}; known: "
                          f"{[s for (st, s) in SLIP_SYSTEMS if st == structure]}")
    dirs, _ = SLIP_SYSTEMS[key]
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
    displacement : ndarray, shape (n,), Å
    energy : ndarray, shape (n,), mJ/m² (relaxed along z)
    period : float, Å (a/√6 fcc partial; a√3/2 bcc)
    n_atoms : int
    area : float, Å²
    """

    system: str
    displacement: np.ndarray
    energy: np.ndarray
    period: float
    n_atoms: int
    area: float

    @property
    def unstable(self) -> float:
        """Unstable stacking-fault energy (mJ/m²): the maximum of γ before the intrinsic/period point."""
        return float(self.energy[:-1].max())


def gamma_line(element: str, structure: str, a: float, calc, system: str, *, n_points: int = 11,
               n_periods: int = 4, max_fraction: float = 1.0, relax: bool = True,
               fmax: float = 1e-3) -> GammaLine:
    """γ-line along ``system`` for ``u`` from 0 to ``max_fraction`` × period (fcc: 1 = intrinsic fault).

    Parameters
    ----------
    n_periods : int
        Repeats of the stacking period along the normal (fcc: 3 planes, bcc (110): 2, (112): 6 each).
    """
    cell0, b = slip_cell(element, structure, a, system, n_periods)
    area = float(np.linalg.norm(np.cross(cell0.cell[0], cell0.cell[1])))
    s_hat = cell0.cell[0] / np.linalg.norm(cell0.cell[0])
    us = np.linspace(0.0, max_fraction * b, n_points)
    energies = []
    for u in us:
        atoms = cell0.copy()
        cell = atoms.cell.array.copy()
        cell[2] = cell[2] + u * s_hat
        atoms.set_cell(cell, scale_atoms=False)
        atoms.set_constraint(FixCartesian(np.arange(len(atoms)), mask=(True, True, False)))
        atoms.calc = calc
        e = relax_positions(atoms, calc, fmax=fmax) if relax else atoms.get_potential_energy()
        energies.append(e)
    energies = (np.array(energies) - energies[0]) * EV_A2_TO_MJ_M2 / area
    return GammaLine(system, us, energies, b, len(cell0), area)
