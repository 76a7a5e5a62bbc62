"""Equilibrium lattice constants and cohesive energies at 0 K for any ASE calculator.

Cubic structures (fcc, bcc, diamond, sc) keep their ions at symmetric sites, so the zero of the
pressure as a function of the lattice constant is found by a bracketed root search (Brent) to
1e-8 Å. Other structures (hcp, a user cell) relax cell and ions together with ASE's
``FrechetCellFilter`` and BFGS.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ase import Atoms
from ase.build import bulk
from ase.data import atomic_numbers, reference_states

from ..errors import ConfigError, ConvergenceError

CUBIC = ("fcc", "bcc", "diamond", "sc")
STRUCTURES = CUBIC + ("hcp",)
#: Atoms per conventional cubic cell.
_ATOMS_PER_CELL = {"fcc": 4, "bcc": 2, "diamond": 8, "sc": 1}


@dataclass
class Lattice:
    """A relaxed crystal.

    Attributes
    ----------
    structure : str
    a : float, Å (conventional cubic cell edge; hcp: in-plane constant)
    c : float or None, Å (hcp only)
    energy_per_atom : float, eV/atom (cohesive energy relative to free atoms when the
        calculator's isolated-atom energy is zero, as for EAM, Tersoff and SNAP without a one-body term)
    volume_per_atom : float, Å³/atom
    atoms : ase.Atoms (conventional cell for cubic structures; calculator not attached)
    """

    structure: str
    a: float
    c: float | None
    energy_per_atom: float
    volume_per_atom: float
    atoms: Atoms


def guess_lattice_constant(element: str, structure: str) -> float:
    """A starting lattice constant (Å) from ASE's reference state, scaled to equal volume per atom."""
    ref = reference_states[atomic_numbers[element]] or {}
    sym = ref.get("symmetry")
    if sym == structure and "a" in ref:
        return float(ref["a"])
    try:
        vol = bulk(element).get_volume() / len(bulk(element))
    except (ValueError, KeyError):
        vol = 20.0
    if structure == "hcp":
        return float((2 * vol / (np.sqrt(3) / 2 * np.sqrt(8 / 3))) ** (1 / 3))
    return float((vol * _ATOMS_PER_CELL[structure]) ** (1 / 3))


def build_crystal(element: str, structure: str, a: float, c: float | None = None) -> Atoms:
    """Conventional cubic cell (fcc 4, bcc 2, diamond 8, sc 1 atoms) or the 2-atom hcp cell."""
    if structure in CUBIC:
        return bulk(element, structure, a=a, cubic=True)
    if structure == "hcp":
        return bulk(element, "hcp", a=a, c=c if c is not None else a * np.sqrt(8 / 3))
    raise ConfigError(f"unknown structure {structure!r}; known: {list(STRUCTURES)} (or pass an Atoms)")


def pressure(atoms: Atoms, calc) -> float:
    """Hydrostatic pressure (eV/Å³, positive = compressive) of ``atoms`` with ``calc``."""
    atoms.calc = calc
    return float(-np.mean(atoms.get_stress(voigt=True)[:3]))


def relax_cubic(element: str, structure: str, calc, a0: float | None = None, *, xtol: float = 1e-9) -> Lattice:
    """Lattice constant where the pressure vanishes, for a cubic structure."""
    from scipy.optimize import brentq

    a0 = a0 if a0 is not None else guess_lattice_constant(element, structure)

    def p_of(a):
        return pressure(build_crystal(element, structure, a), calc)

    lo, hi = 0.97 * a0, 1.03 * a0
    plo, phi = p_of(lo), p_of(hi)
    for _ in range(30):  # widen until the pressure changes sign (compressed > 0 > stretched)
        if plo > 0 > phi:
            break
        if plo <= 0:
            lo, plo = lo * 0.97, p_of(lo * 0.97)
        if phi >= 0:
            hi, phi = hi * 1.03, p_of(hi * 1.03)
    else:
        raise ConvergenceError(f"{element} {structure}: no zero-pressure lattice constant near {a0:.3f} Å")
    a = brentq(p_of, lo, hi, xtol=xtol, rtol=1e-14)
    atoms = build_crystal(element, structure, a)
    atoms.calc = calc
    e = atoms.get_potential_energy() / len(atoms)
    atoms.calc = None
    return Lattice(structure, float(a), None, float(e), atoms.get_volume() / len(atoms), atoms)


def relax_cell(atoms: Atoms, calc, *, fmax: float = 1e-5, steps: int = 2000) -> Atoms:
    """Relax cell shape, volume and ions to zero stress (FrechetCellFilter + BFGS); returns a copy."""
    from ase.filters import FrechetCellFilter
    from ase.optimize import BFGS

    atoms = atoms.copy()
    atoms.calc = calc
    opt = BFGS(FrechetCellFilter(atoms), logfile=None)
    if not opt.run(fmax=fmax, steps=steps):
        raise ConvergenceError(f"cell relaxation of {atoms.get_chemical_formula()} did not reach fmax {fmax}")
    atoms.get_potential_energy()
    return atoms


def relax_positions(atoms: Atoms, calc, *, fmax: float = 1e-4, steps: int = 5000) -> float:
    """Relax ions at fixed cell in place (BFGS; L-BFGS above 64 atoms); returns the energy (eV)."""
    from ase.optimize import BFGS, LBFGS

    atoms.calc = calc
    if len(atoms) > 1 or not atoms.pbc.all():
        opt = (BFGS if len(atoms) <= 64 else LBFGS)(atoms, logfile=None)
        if not opt.run(fmax=fmax, steps=steps):
            raise ConvergenceError(f"ionic relaxation of {atoms.get_chemical_formula()} did not reach fmax {fmax}")
    return float(atoms.get_potential_energy())


def lattice_constants(element: str, structure: str | Atoms, calc, a0: float | None = None) -> Lattice:
    """Relaxed lattice of ``element`` in ``structure`` (a name of :data:`STRUCTURES`, or an Atoms).

    Parameters
    ----------
    element : str
    structure : str or ase.Atoms
    calc : ase Calculator
    a0 : float, optional
        Starting lattice constant (Å); by default from ASE's reference states.
    """
    if isinstance(structure, Atoms):
        atoms = relax_cell(structure, calc)
        lengths = atoms.cell.lengths()
        e = atoms.get_potential_energy() / len(atoms)
        atoms.calc = None
        return Lattice("user", float(lengths[0]), float(lengths[2]), float(e), atoms.get_volume() / len(atoms), atoms)
    if structure in CUBIC:
        return relax_cubic(element, structure, calc, a0)
    if structure == "hcp":
        a = a0 if a0 is not None else guess_lattice_constant(element, "hcp")
        atoms = relax_cell(build_crystal(element, "hcp", a), calc)
        a_rel, _, c_rel = atoms.cell.lengths()
        e = atoms.get_potential_energy() / len(atoms)
        atoms.calc = None
        return Lattice("hcp", float(a_rel), float(c_rel), float(e), atoms.get_volume() / len(atoms), atoms)
    raise ConfigError(f"unknown structure {structure!r}; known: {list(STRUCTURES)} (or pass an Atoms)")
