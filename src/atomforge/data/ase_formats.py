"""Every format ``ase.io`` reads: extended XYZ, VASP OUTCAR/vasprun.xml, ASE db, trajectories...

Energies, forces and stresses come from the calculator results ASE attaches to each structure
(or from ``info["energy"]`` / ``arrays["forces"]`` / ``arrays["force"]``). ASE already gives the
stress in eV/Å³ with positive = tensile. The group of a frame is ``info["group"]``, else
``info["config_type"]``, else the file stem; its weight is ``info["weight"]`` (default 1).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers

from ..errors import DataError
from ..units import stress_to_internal
from .fields import as_array, as_float
from .frame import Frame, validate_frame
from .mlearn import read_group_csv

#: Suffix of the group file that sits beside the mlearn Ni/Cu extended XYZ training sets.
GROUP_CSV_SUFFIX = "_groups_inferred.csv"


def read_ase(path, *, format: str | None = None, index=":", groups=None) -> list[Frame]:
    """Read all structures of a file through ``ase.io.read``.

    Parameters
    ----------
    path : path-like
    format : str, optional
        An ``ase.io`` format name (``"extxyz"``, ``"vasp-out"``, ``"vasp-xml"``, ``"db"``,
        ``"traj"``...); default: ASE's own detection.
    index : str or int
        Which structures, in ``ase.io.read`` syntax; default all.
    groups : path-like or list of str, optional
        Group per frame: a list, or a CSV in the mlearn ``*_groups_inferred.csv`` layout. By
        default ``<stem>_groups_inferred.csv`` beside the file is used when it exists.
    """
    import ase.io

    path = Path(path)
    src = str(path)
    if path.is_file() and path.stat().st_size == 0:
        raise DataError("the file is empty", source=src)
    try:
        if _resolved_format(path, format) in ("xyz", "extxyz"):
            _check_xyz_headers(path)
        images = ase.io.read(path, index=index, format=format)
    except DataError:
        raise
    except Exception as err:  # ASE raises many types for a malformed file
        raise DataError(f"cannot be read as {format or 'any format ASE knows'} "
                        f"({type(err).__name__}: {err}); check the file is complete (not truncated), "
                        "and pass format=... if the guess is wrong", source=src) from err
    if isinstance(images, Atoms):
        images = [images]
    if not images:
        raise DataError("the file holds no structures", source=src)
    frames = [_atoms_to_frame(a, path, k) for k, a in enumerate(images)]
    if groups is None and path.with_name(path.stem + GROUP_CSV_SUFFIX).is_file():
        groups = path.with_name(path.stem + GROUP_CSV_SUFFIX)
    if groups is not None:
        names = groups if isinstance(groups, (list, tuple)) else read_group_csv(groups, frames)
        if len(names) != len(frames):
            raise DataError(f"{len(names)} group names for {len(frames)} frames", source=src,
                            field="group")
        for frame, name in zip(frames, names):
            frame.group = str(name)
    return frames


def _resolved_format(path: Path, format: str | None) -> str | None:
    from ase.io.formats import filetype

    if format is not None or not path.is_file():
        return format
    return filetype(str(path), guess=True)


def _species_column(comment: str) -> int:
    """Column of the species in the atom lines of an (extended) XYZ frame, from ``Properties=``."""
    match = re.search(r"Properties=(\S+)", comment)
    if not match:
        return 0
    column = 0
    fields = match.group(1).split(":")
    for name, kind, count in zip(fields[::3], fields[1::3], fields[2::3]):
        if name.lower() in ("species", "element", "symbols") and kind.upper() == "S":
            return column
        column += int(count) if count.isdigit() else 1
    return 0


def _check_xyz_headers(path: Path) -> None:
    """Check every XYZ frame header against the lines that follow it, and its element symbols.

    ``ase.io.read`` trusts the atom count: a corrupt header such as ``999999999999`` makes it
    skip lines for hours. Lines starting with ``VEC`` after a frame are lattice lines. An unknown
    element is named with its frame and atom (ASE reports only a ``KeyError``).
    """
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    pos, k = 0, 0
    while pos < len(lines) and lines[pos].strip():
        try:
            n = int(lines[pos])
        except ValueError:
            return  # ASE reports the malformed header itself
        left = len(lines) - pos - 2
        if n < 0 or n > left:
            raise DataError(f"header says {n} atoms but {max(left, 0)} lines follow; the file is "
                            "truncated or the header is wrong", source=str(path), frame=k,
                            field="natoms")
        column = _species_column(lines[pos + 1])
        for a, line in enumerate(lines[pos + 2:pos + 2 + n]):
            tokens = line.split()
            symbol = tokens[column] if len(tokens) > column else ""
            if symbol not in atomic_numbers and not symbol.isdigit():
                raise DataError(f"unknown element {symbol!r} at atom {a} (line {pos + 3 + a})", source=str(path),
                                frame=k, field="species")
        pos += 2 + n
        while pos < len(lines) and lines[pos].lstrip().startswith("VEC"):
            pos += 1
        k += 1


def _atoms_to_frame(atoms: Atoms, path: Path, k: int) -> Frame:
    src = str(path)
    if not isinstance(atoms, Atoms):
        raise DataError(f"not a structure ({type(atoms).__name__})", source=src, frame=k)
    n = len(atoms)
    results = dict(atoms.calc.results) if atoms.calc is not None else {}
    energy = results.get("energy", results.get("free_energy", atoms.info.get("energy")))
    forces = results.get("forces")
    if forces is None:
        forces = atoms.arrays.get("forces", atoms.arrays.get("force"))
    stress = results.get("stress", atoms.info.get("stress"))
    clean = Atoms(numbers=atoms.numbers, positions=atoms.positions, cell=atoms.cell, pbc=atoms.pbc)
    info = {key: v for key, v in atoms.info.items()
            if key not in ("energy", "stress", "group", "weight", "config_type")
            and isinstance(v, (str, int, float, bool))}
    group = atoms.info.get("group", atoms.info.get("config_type", path.stem))
    weight = atoms.info.get("weight", 1.0)
    frame = Frame(
        clean,
        energy=None if energy is None else as_float(energy, source=src, frame=k, field="energy"),
        forces=None if forces is None else as_array(forces, (n, 3), source=src, frame=k,
                                                    field="forces"),
        stress=None if stress is None else _stress(stress, src, k),
        group=str(group), weight=as_float(weight, source=src, frame=k, field="weight"),
        source=f"{src}:{k}", info=info)
    return validate_frame(frame, source=src, index=k)


def _stress(stress, src: str, k: int) -> np.ndarray:
    try:
        s = np.asarray(stress, dtype=float)
    except (TypeError, ValueError) as err:
        raise DataError(f"not numeric ({err})", source=src, frame=k, field="stress") from err
    if s.size == 9:
        s = s.reshape(3, 3)
    if s.shape not in ((3, 3), (6,)):
        raise DataError(f"expected 6 Voigt components or a 3x3 tensor, got shape {s.shape}",
                        source=src, frame=k, field="stress")
    return stress_to_internal(s, unit="eV/A^3", positive="tensile")
