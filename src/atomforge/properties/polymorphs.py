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


def relaxed(element: str, structure: str | Atoms, calc):
    """Relaxed lattice of a structure name of :data:`~.lattice.STRUCTURES`, an Atoms, or a structure file."""
    from pathlib import Path

    from ase.io import read

    from ..errors import ConfigError
    from .lattice import STRUCTURES

    if isinstance(structure, str) and structure not in STRUCTURES:
        if not Path(structure).is_file():
            raise ConfigError(f"structure {structure!r} is neither one of {list(STRUCTURES)} nor a file")
        structure = read(structure)
    return lattice_constants(element, structure, calc)


def polymorph_energies(element: str, reference: str, calc, structures=("fcc", "bcc", "hcp", "diamond"),
                       user: dict[str, Atoms] | None = None) -> list[PolymorphResult]:
    """Relaxed energies of ``structures`` (names or structure files) and named user cells relative to
    ``reference`` (meV/atom)."""
    lattices = {s: relaxed(element, s, calc) for s in dict.fromkeys((reference, *structures))}
    for name, atoms in (user or {}).items():
        lattices[name] = lattice_constants(element, atoms, calc)
    e_ref = lattices[reference].energy_per_atom
    return [PolymorphResult(name, (lat.energy_per_atom - e_ref) * 1000.0, lat.energy_per_atom, lat.a, lat.c)
            for name, lat in lattices.items()]
