"""``read_frames`` and ``write_extxyz``: the entry points of the data layer.

Formats live in one table, :data:`FORMATS`, like ``ase.io.formats``: a name, the reader, and a
test on the first bytes of the file (or on a folder) used when no ``format=`` is given. Any
other name is passed to ``ase.io`` as its own format name (``"vasp-out"``, ``"extxyz"``, ...).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ConfigError, DataError
from ..fileio import temporary_path
from .ase_formats import read_ase
from .dataset import Dataset
from .fitsnap import read_fitsnap
from .mlearn import read_mlearn


@dataclass(frozen=True)
class Format:
    """One entry of the format table.

    Attributes
    ----------
    reader : callable(path, **options) -> list of Frame
    sniff : callable(path, head) -> bool
        ``head`` is the first bytes of the file (``b""`` for a folder).
    description : str
    """

    reader: Callable
    sniff: Callable
    description: str


def _is_fitsnap(path: Path, head: bytes) -> bool:
    if path.is_dir():
        return any(path.rglob("*.json"))
    body = b"\n".join(line for line in head.splitlines() if not line.lstrip().startswith(b"#"))
    return head.lstrip().startswith(b"#") and b'"Dataset"' in head or \
        body.lstrip().startswith(b'{"Dataset"')


def _is_mlearn(path: Path, head: bytes) -> bool:
    h = head.lstrip()
    return h[:1] in (b"[", b"{") and b'"structure"' in head


#: name → Format, tried in order when no ``format=`` is given; ``"ase"`` takes everything else.
FORMATS: dict[str, Format] = {
    "fitsnap": Format(read_fitsnap, _is_fitsnap,
                      "FitSNAP JSON (comment line, then {\"Dataset\": ...}; stress in bar, "
                      "positive = compressive), one file or a folder of group folders"),
    "mlearn": Format(read_mlearn, _is_mlearn,
                     "mlearn JSON list of pymatgen structures (virial_stress in kbar, positive = "
                     "compressive; shear_order=...)"),
    "ase": Format(read_ase, lambda path, head: path.is_file(),
                  "anything ase.io reads: extended XYZ, VASP OUTCAR/vasprun.xml, ASE db, "
                  "trajectories"),
}

_HEAD_BYTES = 4096


def detect_format(path) -> str:
    """Name of the :data:`FORMATS` entry for ``path``, from its content."""
    path = Path(path)
    if not path.exists():
        raise DataError("no such file or folder", source=str(path))
    head = b""
    if path.is_file():
        with open(path, "rb") as f:
            head = f.read(_HEAD_BYTES)
        if not head.strip():
            raise DataError("the file is empty", source=str(path))
    for name, fmt in FORMATS.items():
        if fmt.sniff(path, head):
            return name
    raise DataError("a folder without FitSNAP *.json files; give a file, or format=...",
                    source=str(path))


def read_frames(path, format: str | None = None, **options) -> Dataset:
    """Read reference data into a :class:`Dataset`, every frame validated.

    Parameters
    ----------
    path : path-like
        A file, or (FitSNAP) a folder of group folders.
    format : str, optional
        A key of :data:`FORMATS` (``"fitsnap"``, ``"mlearn"``, ``"ase"``) or any ``ase.io``
        format name. Default: detected from the content.
    **options
        Passed to the reader, e.g. ``shear_order=[...]`` (mlearn), ``group=`` (FitSNAP),
        ``index=``, ``groups=`` (ase).

    Raises
    ------
    DataError
        Naming the file, the frame index and the field, for anything wrong in the data.
    ConfigError
        For an unknown format name or reader option.
    """
    path = Path(path)
    if format is None:
        format = detect_format(path)
    elif not path.exists():
        raise DataError("no such file or folder", source=str(path))
    if format in FORMATS:
        reader = FORMATS[format].reader
    else:
        from ase.io.formats import ioformats

        if format not in ioformats:
            raise ConfigError(f"unknown data format {format!r}; known: {sorted(FORMATS)} or an "
                              "ase.io format name (see `ase info --formats`)")
        reader, options = read_ase, {**options, "format": format}
    try:
        frames = reader(path, **options)
    except TypeError as err:
        if "unexpected keyword argument" in str(err):
            raise ConfigError(f"format {format!r}: {err}") from err
        raise
    return Dataset(frames, name=path.name)


def write_extxyz(dataset, path) -> Path:
    """Write frames (a Dataset or any iterable of Frame) to extended XYZ, atomically.

    Energy, forces, stress (eV/Å³, positive = tensile), group, weight and the scalar entries of
    ``info`` are written so that :func:`read_frames` gives the same frames back: energy, stress,
    cell and info exactly, positions and forces to the 8 decimals (1e-8 Å, eV/Å) that ASE's
    extended XYZ writer keeps.
    """
    import ase.io
    from ase.calculators.singlepoint import SinglePointCalculator

    images = []
    for frame in dataset:
        atoms = frame.atoms.copy()
        atoms.info = {k: v for k, v in frame.info.items() if isinstance(v, (str, int, float))}
        atoms.info["group"] = frame.group
        atoms.info["weight"] = float(frame.weight)
        results = {}
        if frame.energy is not None:
            results["energy"] = float(frame.energy)
        if frame.forces is not None:
            results["forces"] = np.asarray(frame.forces, dtype=float)
        if frame.stress is not None:
            results["stress"] = np.asarray(frame.stress, dtype=float)
        atoms.calc = SinglePointCalculator(atoms, **results)
        images.append(atoms)
    if not images:
        raise DataError("nothing to write: no frames", source=str(path))
    path = Path(path)
    tmp = temporary_path(path)
    try:
        ase.io.write(tmp, images, format="extxyz")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


__all__ = ["FORMATS", "Format", "detect_format", "read_frames", "write_extxyz"]
