"""Energy differences between relaxed polymorphs of one element."""

from __future__ import annotations

from dataclasses import dataclass

from ase import Atoms

from .lattice import lattice_constants


@dataclass
class PolymorphResult:
    """Relaxed energy of one polymorph relative to the reference structure.

    Attributes
    ----------
    structure : str
    delta : float, meV/atom (E − E_reference)
    energy_per_atom : float, eV/atom
    a : float, Å
    c : float or None, Å
    """

    structure: str
    delta: float
    energy_per_atom: float
    a: float
    c: float | None


def polymorph_energies(element: str, reference: str, calc, structures=("fcc", "bcc", "hcp", "diamond"),
                       user: dict[str, Atoms] | None = None) -> list[PolymorphResult]:
    """Relaxed energies of ``structures`` (and named user cells) relative to ``reference`` (meV/atom)."""
    lattices = {s: lattice_constants(element, s, calc) for s in dict.fromkeys((reference, *structures))}
    for name, atoms in (user or {}).items():
        lattices[name] = lattice_constants(element, atoms, calc)
    e_ref = lattices[reference].energy_per_atom
    return [PolymorphResult(name, (lat.energy_per_atom - e_ref) * 1000.0, lat.energy_per_atom, lat.a, lat.c)
            for name, lat in lattices.items()]
