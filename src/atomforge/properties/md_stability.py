"""Short MD stability check: NVT (Langevin) at a temperature, then NVE energy drift.

The run flags atom pairs closer than ``min_distance`` (a collapsing or exploding potential) and
reports the NVE drift of the total energy as the slope of a linear fit, meV/atom/ps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ase import Atoms


@dataclass
class MDStabilityResult:
    """Outcome of the short MD.

    Attributes
    ----------
    temperature : float, K (target)
    mean_temperature : float, K (NVT part)
    min_distance : float, Å (closest pair seen)
    too_close : bool (min_distance below the threshold)
    drift : float, meV/atom/ps (NVE)
    time_nvt, time_nve : float, ps
    n_atoms : int
    supercell : tuple of int
    """

    temperature: float
    mean_temperature: float
    min_distance: float
    too_close: bool
    drift: float
    time_nvt: float
    time_nve: float
    n_atoms: int
    supercell: tuple




def md_stability(unit: Atoms, calc, *, supercell=(3, 3, 3), temperature: float = 300.0,
                 time_nvt: float = 1.0, time_nve: float = 0.5, timestep: float = 1.0,
                 threshold: float = 1.5, every: int = 10, seed: int = 0) -> MDStabilityResult:
    """NVT for ``time_nvt`` ps at ``temperature`` K, then NVE for ``time_nve`` ps (timestep in fs)."""
    from ase.md.langevin import Langevin
    from ._md import thermalize
    from ase.md.verlet import VelocityVerlet
    from ase.units import fs

    atoms = unit.repeat(supercell)
    atoms.calc = calc
    thermalize(atoms, temperature, rng=np.random.default_rng(seed))
    n = len(atoms)
    dmin, temps = [np.inf], []

    def watch():
        dmin[0] = min(dmin[0], float(np.min(atoms.get_all_distances(mic=True)[np.triu_indices(n, 1)])))
        temps.append(atoms.get_temperature())

    nvt = Langevin(atoms, timestep * fs, temperature_K=temperature, friction=0.02, logfile=None, fixcm=False,
                   rng=np.random.default_rng(seed + 1))
    nvt.attach(watch, interval=every)
    nvt.run(int(round(time_nvt * 1000 / timestep)))
    times, etot = [], []
    nve = VelocityVerlet(atoms, timestep * fs, logfile=None)

    def record():
        times.append(len(times) * every * timestep / 1000.0)
        etot.append(atoms.get_total_energy() / n)
        watch()

    nve.attach(record, interval=every)
    nve.run(int(round(time_nve * 1000 / timestep)))
    slope = np.polyfit(times, etot, 1)[0] if len(times) > 1 else 0.0
    return MDStabilityResult(temperature, float(np.mean(temps)), dmin[0], dmin[0] < threshold,
                             float(slope * 1000.0), time_nvt, time_nve, n, tuple(supercell))
