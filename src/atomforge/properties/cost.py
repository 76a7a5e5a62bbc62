"""Cost of a calculator: microseconds per atom per MD step, through ASE and in native LAMMPS.

Both time velocity-Verlet NVE steps of the same supercell (about 2,000 atoms by default) after
one warm-up step, on one process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from ase import Atoms


@dataclass
class CostResult:
    """Timing of MD steps.

    Attributes
    ----------
    us_per_atom_step : float, µs/(atom·step)
    n_atoms : int
    n_steps : int
    supercell : tuple of int
    engine : str ("ase" or "lammps")
    """

    us_per_atom_step: float
    n_atoms: int
    n_steps: int
    supercell: tuple
    engine: str


def supercell_for(unit: Atoms, n_target: int = 2000) -> tuple:
    """Cubic-ish repeat of ``unit`` with about ``n_target`` atoms."""
    k = max(1, int(round((n_target / len(unit)) ** (1 / 3))))
    return (k, k, k)


def _md_cell(unit: Atoms, supercell, temperature: float) -> Atoms:
    from ._md import thermalize

    atoms = unit.repeat(supercell)
    thermalize(atoms, temperature, rng=np.random.default_rng(0))
    return atoms


def cost_ase(unit: Atoms, calc, *, n_target: int = 2000, n_steps: int = 5, temperature: float = 300.0) -> CostResult:
    """µs per atom per velocity-Verlet step of ``calc`` driven by ASE."""
    from ase.md.verlet import VelocityVerlet
    from ase.units import fs

    sc = supercell_for(unit, n_target)
    atoms = _md_cell(unit, sc, temperature)
    atoms.calc = calc
    md = VelocityVerlet(atoms, timestep=1.0 * fs, logfile=None)
    md.run(1)
    t0 = time.perf_counter()
    md.run(n_steps)
    dt = time.perf_counter() - t0
    return CostResult(dt / (n_steps * len(atoms)) * 1e6, len(atoms), n_steps, sc, "ase")


def cost_lammps(unit: Atoms, pair_commands: list[str], species: list[str], *, n_target: int = 2000,
                n_steps: int = 20, temperature: float = 300.0) -> CostResult:
    """µs per atom per NVE step in native LAMMPS with the given ``pair_style``/``pair_coeff`` lines.

    Works for any LAMMPS-native potential, including atomforge potentials after export.
    """
    from ..lammps.session import LammpsSession

    sc = supercell_for(unit, n_target)
    atoms = unit.repeat(sc)
    with LammpsSession(atoms, species) as s:
        s.commands(list(pair_commands))
        s.commands([f"velocity all create {temperature} 4928459 mom yes rot yes", "fix nve all nve",
                    "timestep 0.001", "thermo 0", "run 1"])
        t0 = time.perf_counter()
        s.command(f"run {n_steps} pre no post no")
        dt = time.perf_counter() - t0
    return CostResult(dt / (n_steps * len(atoms)) * 1e6, len(atoms), n_steps, sc, "lammps")
