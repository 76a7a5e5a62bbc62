"""Potentials, their versioned files, and the one loader.

An atomforge potential file is a zip archive (suffix ``.atomforge``) holding ``atomforge.json``
(metadata: format, version, kind, species, units, the potential's own spec) and
``arrays.npz`` (its arrays, read with ``allow_pickle=False``). Files are written to a
temporary path and renamed, so a failure never leaves half a file.

``load(path)`` also opens foreign potential files (LAMMPS and others) listed in
:data:`FOREIGN_FORMATS`, chosen by suffix.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import zipfile
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
from ase import Atoms

from .errors import ConfigError, PotentialFileError
from .fileio import write_atomically

FORMAT_NAME = "atomforge-potential"
FORMAT_VERSION = 2
SUFFIX = ".atomforge"

#: kind → "module:Class" of every Potential subclass (imported on demand).
POTENTIAL_KINDS: dict[str, str] = {
    "descriptor": "atomforge.models.descriptor_potential:DescriptorPotential",
    "meam_spline": "atomforge.models.meam_spline:SplineMEAM",
    "mtp": "atomforge.models.mtp:MomentTensorPotential",
}

#: (suffix, "module:function") of foreign potential readers; each returns a Potential.
FOREIGN_FORMATS: list[tuple[str, str]] = [
    (".snapparam", "atomforge.lammps.snap_convert:read_lammps_snap"),
    (".snapcoeff", "atomforge.lammps.snap_convert:read_lammps_snap"),
    (".snap", "atomforge.lammps.snap_convert:read_lammps_snap"),
    (".meam.spline", "atomforge.lammps.meam_spline:read_lammps_meam_spline"),
    (".meam/spline", "atomforge.lammps.meam_spline:read_lammps_meam_spline"),
    (".yace", "atomforge.lammps.pace:read_yace_potential"),
]


def _migrate_1_to_2(meta: dict, arrays: dict) -> tuple[dict, dict]:
    """Version 1 called descriptor potentials kind "snap" with a ``zbl`` entry; version 2 calls them
    kind "descriptor" with a ``pair`` entry naming its pair term."""
    if meta.get("kind") == "snap":
        spec = dict(meta["spec"])
        zbl = spec.pop("zbl", None)
        spec["pair"] = {"name": "zbl", **zbl} if zbl else None
        meta = {**meta, "kind": "descriptor", "spec": spec}
    return meta, arrays


#: from_version → function(meta, arrays) -> (meta, arrays) that upgrades a file by one version.
MIGRATIONS: dict[int, object] = {1: _migrate_1_to_2}


@dataclass
class Evaluation:
    """What a potential gives for one structure.

    Attributes
    ----------
    energy : float, eV
    energies : ndarray, shape (n_atoms,), eV
    forces : ndarray, shape (n_atoms, 3), eV/Å, or None
    stress : ndarray, shape (6,), eV/Å³, Voigt [xx, yy, zz, yz, xz, xy], positive = tensile,
        or None (not asked for, or no periodic cell)
    """

    energy: float
    energies: np.ndarray
    forces: np.ndarray | None = None
    stress: np.ndarray | None = None


class Potential(ABC):
    """Base of every atomforge potential: evaluate, save, and give an ASE calculator."""

    kind: ClassVar[str]
    species: list[str]
    cutoff: float

    @abstractmethod
    def evaluate(self, atoms: Atoms, *, forces: bool = True, stress: bool = True) -> Evaluation:
        """Energy, per-atom energies, and optionally forces and stress of ``atoms``."""

    @abstractmethod
    def to_dict(self) -> tuple[dict, dict[str, np.ndarray]]:
        """JSON-safe spec and named arrays; :meth:`from_dict` rebuilds the potential."""

    @classmethod
    @abstractmethod
    def from_dict(cls, spec: dict, arrays: dict[str, np.ndarray]) -> "Potential":
        """Rebuild from :meth:`to_dict` output."""

    def types_of(self, atoms: Atoms) -> np.ndarray:
        """Index in :attr:`species` of each atom, shape (n_atoms,), int64; an atom of another element
        is a ConfigError."""
        index = {s: k for k, s in enumerate(self.species)}
        symbols = atoms.get_chemical_symbols()
        missing = sorted(set(symbols) - set(index))
        if missing:
            raise ConfigError(f"the {self.kind} potential for {self.species} has no parameters for "
                              f"element(s) {missing}")
        return np.array([index[s] for s in symbols], dtype=np.int64)

    @property
    def has_uncertainty(self) -> bool:
        """Whether :meth:`uncertainty` gives predictive standard deviations."""
        return False

    def uncertainty(self, atoms: Atoms) -> dict:
        """Predictive standard deviations (eV) of ``atoms``: ``energy_std`` (float) and
        ``energies_std`` (n_atoms,), for potentials that have them (:attr:`has_uncertainty`)."""
        raise ConfigError(f"a {self.kind} potential gives no uncertainty")

    def calculator(self):
        """An ASE calculator for this potential."""
        from .calculator import AtomforgeCalculator

        return AtomforgeCalculator(self)

    def save(self, path: str | os.PathLike) -> Path:
        """Write the potential to ``path`` (suffix ``.atomforge`` added if missing), atomically."""
        from . import __version__

        path = with_suffix(path)
        spec, arrays = self.to_dict()
        meta = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION,
                "atomforge_version": __version__, "kind": self.kind,
                "species": list(self.species), "cutoff": float(self.cutoff),
                "units": {"energy": "eV", "length": "Angstrom", "stress": "eV/Angstrom^3"},
                "spec": spec}
        buf = io.BytesIO()
        np.savez(buf, **{k: np.asarray(v) for k, v in arrays.items()})
        write_atomically(path, lambda f: _write_zip(f, meta, buf.getvalue()))
        return path


def with_suffix(path: str | os.PathLike) -> Path:
    """``path`` with the potential-file suffix ``.atomforge`` appended if it lacks it."""
    path = Path(path)
    return path if path.name.endswith(SUFFIX) else path.with_name(path.name + SUFFIX)


def _write_zip(f, meta: dict, npz: bytes) -> None:
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("atomforge.json", json.dumps(meta, indent=1))
        z.writestr("arrays.npz", npz)


def _import(target: str):
    module, name = target.split(":")
    return getattr(importlib.import_module(module), name)


def load(path: str | os.PathLike) -> Potential:
    """Open an atomforge potential file, or any foreign potential file atomforge reads."""
    path = Path(path)
    if not path.exists():
        raise PotentialFileError(f"{path}: no such file")
    if zipfile.is_zipfile(path):
        return _load_atomforge(path)
    if path.name.endswith(SUFFIX):
        raise PotentialFileError(f"{path}: damaged, truncated or not an atomforge potential file "
                                 "(an .atomforge file is a zip archive, and this is not one)")
    for suffix, target in FOREIGN_FORMATS:
        if path.name.endswith(suffix):
            return _import(target)(path)
    known = [SUFFIX] + [s for s, _ in FOREIGN_FORMATS]
    raise PotentialFileError(f"{path}: not an atomforge potential file, and its suffix is not one "
                             f"of the foreign formats atomforge reads ({', '.join(known)})")


def _load_atomforge(path: Path) -> Potential:
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            if "atomforge.json" not in names:
                raise PotentialFileError(f"{path}: a zip archive but not an atomforge potential "
                                         "(no atomforge.json inside)")
            meta = json.loads(z.read("atomforge.json"))
            with np.load(io.BytesIO(z.read("arrays.npz")), allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError, OSError) as err:
        if isinstance(err, PotentialFileError):
            raise
        raise PotentialFileError(f"{path}: damaged or truncated potential file ({err})") from err
    if meta.get("format") != FORMAT_NAME:
        raise PotentialFileError(f"{path}: format {meta.get('format')!r} is not {FORMAT_NAME!r}")
    version = meta.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise PotentialFileError(f"{path}: no valid format_version ({version!r}) in atomforge.json")
    if version > FORMAT_VERSION:
        raise PotentialFileError(
            f"{path}: file format version {version} is newer than this atomforge reads "
            f"({FORMAT_VERSION}); upgrade atomforge (file written by {meta.get('atomforge_version')})")
    while version < FORMAT_VERSION:
        meta, arrays = MIGRATIONS[version](meta, arrays)
        version += 1
    kind = meta.get("kind")
    if kind not in POTENTIAL_KINDS:
        raise PotentialFileError(f"{path}: unknown potential kind {kind!r}; known: {sorted(POTENTIAL_KINDS)}")
    return _import(POTENTIAL_KINDS[kind]).from_dict(meta["spec"], arrays)
