"""A small Cu data set labelled with ASE's EMT calculator, for the quickstart and tests.

Groups: ``ground`` (fcc at EMT's lattice constant), ``volume`` (±3 % volume), ``shear``
(±3 % shear strains), ``md`` (Langevin snapshots at 300–1500 K), ``vacancy`` (one vacancy,
rattled) and ``surface`` ((100) and (111) slabs, rattled). Every cell has at most 64 atoms.
"""

from __future__ import annotations

import numpy as np
from ase import Atoms, units
from ase.build import bulk, fcc100, fcc111
from ase.calculators.emt import EMT

from ..data import Dataset, Frame


def emt_lattice_constant() -> float:
    """EMT's equilibrium fcc Cu lattice constant (Å), by minimising the energy of the primitive cell."""
    from scipy.optimize import minimize_scalar

    def energy(a):
        atoms = bulk("Cu", "fcc", a=a)
        atoms.calc = EMT()
        return atoms.get_potential_energy()

    return float(minimize_scalar(energy, bounds=(3.4, 3.8), method="bounded",
                                 options={"xatol": 1e-7}).x)


def _label(atoms: Atoms, group: str, source: str) -> Frame:
    atoms = atoms.copy()
    atoms.calc = EMT()
    energy = atoms.get_potential_energy()
    forces = atoms.get_forces()
    stress = atoms.get_stress() if atoms.pbc.all() else None
    atoms.calc = None
    return Frame(atoms, energy, forces, stress, group=group, source=source)


def build_cu_emt(*, n_md: int = 28, seed: int = 0, size: float = 1.0) -> Dataset:
    """Build the data set (about 200 frames with the defaults).

    Parameters
    ----------
    n_md : int
        Langevin snapshots per temperature (5 temperatures, 300–1500 K).
    seed : int
        Seed of rattles and MD.
    size : float
        Multiplier of the number of frames of the other groups (use < 1 for a tiny set).
    """
    from ase.md.langevin import Langevin
    from ase.md.velocitydistribution import thermalize_momenta

    rng = np.random.default_rng(seed)
    a0 = emt_lattice_constant()
    frames: list[Frame] = []
    cell32 = bulk("Cu", "fcc", a=a0, cubic=True) * (2, 2, 2)
    frames.append(_label(cell32, "ground", "cu_emt:ground"))
    n_each = max(2, int(round(14 * size)))
    for k, s in enumerate(np.linspace(-0.03, 0.03, n_each)):  # volumetric strain
        atoms = cell32.copy()
        atoms.set_cell(atoms.cell * (1 + s) ** (1 / 3), scale_atoms=True)
        atoms.rattle(0.02, seed=int(rng.integers(1 << 31)))
        frames.append(_label(atoms, "volume", f"cu_emt:volume:{k}"))
    for k in range(n_each):  # shear strains up to ±3 %
        eps = np.zeros((3, 3))
        a, b = [(1, 2), (0, 2), (0, 1)][k % 3]
        eps[a, b] = eps[b, a] = rng.uniform(-0.03, 0.03) / 2
        atoms = cell32.copy()
        atoms.set_cell(atoms.cell.array @ (np.eye(3) + eps), scale_atoms=True)
        atoms.rattle(0.02, seed=int(rng.integers(1 << 31)))
        frames.append(_label(atoms, "shear", f"cu_emt:shear:{k}"))
    for temp in (300, 600, 900, 1200, 1500):  # Langevin MD on a 32-atom cell
        atoms = cell32.copy()
        atoms.calc = EMT()
        thermalize_momenta(atoms, temperature_K=2 * temp, rng=np.random.default_rng(temp + seed))
        md = Langevin(atoms, 4 * units.fs, temperature_K=temp, friction=0.02,
                      fixcm=False, rng=np.random.default_rng(seed + temp))
        for k in range(n_md):
            md.run(5)
            frames.append(_label(atoms, "md", f"cu_emt:md:{temp}K:{k}"))
    for k in range(n_each):  # vacancies
        atoms = cell32.copy()
        del atoms[int(rng.integers(len(atoms)))]
        atoms.rattle(0.05 + 0.05 * rng.random(), seed=int(rng.integers(1 << 31)))
        frames.append(_label(atoms, "vacancy", f"cu_emt:vacancy:{k}"))
    for k in range(n_each):  # slabs, periodic in-plane, 8 Å of vacuum in a periodic cell
        make = fcc100 if k % 2 == 0 else fcc111
        atoms = make("Cu", size=(2, 2, 5), a=a0, vacuum=4.0, periodic=True)
        atoms.rattle(0.03 + 0.05 * rng.random(), seed=int(rng.integers(1 << 31)))
        frames.append(_label(atoms, "surface", f"cu_emt:{make.__name__}:{k}"))
    return Dataset(frames, "Cu/EMT quickstart")
