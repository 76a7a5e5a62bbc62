"""Read and write LAMMPS ``pair_style meam/spline`` potential files.

Two formats (LAMMPS ``pair_meam_spline.cpp``, ``read_file``):

* old, single element: a comment line, then five splines φ, ρ, U, f, g, each as
  ``n_knots`` / ``d0 dN`` / one flag line (ignored) / ``n_knots`` lines ``x y y''``;
* new, any number of elements: a comment line, ``meam/spline <n> <El_1> ... <El_n>``, then
  ``n(n+1)/2`` φ, ``n`` ρ, ``n`` U, ``n`` f and ``n(n+1)/2`` g splines, each as
  ``spline3eq`` / ``n_knots`` / ``d0 dN`` / ``n_knots`` lines ``x y y''``.

Pair functions (φ, g) are ordered (0,0), (0,1), ..., (0,n-1), (1,1), ... over element indices
a <= b: index ``b + a n - a(a+1)/2`` (:func:`atomforge.models.meam_spline.pair_index`). The third column (second derivatives) is ignored on reading,
as LAMMPS does, and recomputed on writing. Numbers are written with 17 significant digits, so a
file read and written back holds the same values.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ase.data import chemical_symbols

import numpy as np

from ..errors import PotentialFileError
from ..fileio import write_atomically
from ..models.meam_spline import SplineMEAM, n_pairs_of, pair_index
from ..models.spline import Spline


@dataclass
class MeamSplineFile:
    """Contents of a ``meam/spline`` file.

    Attributes
    ----------
    species : list of str
        Element names (for the old format, as given to the reader).
    phi, g : list of Spline, length n(n+1)/2, in :func:`pair_index` order
    rho, U, f : list of Spline, length n
    comment : str
        The first line, without its newline.
    new_format : bool
    """

    species: list[str]
    phi: list[Spline]
    rho: list[Spline]
    U: list[Spline]
    f: list[Spline]
    g: list[Spline]
    comment: str = "# meam/spline potential written by atomforge"
    new_format: bool = True


def _species_from_name(path: Path) -> str | None:
    stem = path.name.split(".")[0].split("_")[0]
    return stem if stem in chemical_symbols[1:] else None


def read_meam_spline(path: str | os.PathLike, species: list[str] | None = None) -> MeamSplineFile:
    """Read a ``meam/spline`` file (either format).

    Parameters
    ----------
    path : path-like
    species : list of str, optional
        Element of an old-format file (which names none); by default taken from the file name
        (``Si_1.meam.spline`` → Si).

    Raises
    ------
    PotentialFileError
        Naming the file and line of anything that cannot be read.
    """
    path = Path(path)
    lines = path.read_text().splitlines()
    pos = [1]

    def fail(msg):
        raise PotentialFileError(f"{path}, line {pos[0] + 1}: {msg}")

    def next_tokens(k=None):
        while pos[0] < len(lines) and not lines[pos[0]].strip():
            pos[0] += 1
        if pos[0] >= len(lines):
            fail("unexpected end of file")
        tokens = lines[pos[0]].split()
        pos[0] += 1
        if k is not None and len(tokens) < k:
            pos[0] -= 1
            fail(f"expected {k} numbers, found {lines[pos[0]]!r}")
        return tokens

    if not lines:
        raise PotentialFileError(f"{path}: empty file")
    head = next_tokens()
    new_format = head[0] == "meam/spline"
    if new_format:
        try:
            n = int(head[1])
            names = head[2:2 + n]
        except (IndexError, ValueError):
            pos[0] -= 1
            fail(f"bad 'meam/spline <n> <elements>' line {lines[pos[0]]!r}")
        if n < 1 or len(names) != n:
            pos[0] -= 1
            fail(f"'meam/spline' line names {len(names)} elements, expected {n}")
        species = list(names)
    else:
        pos[0] = 1
        if species is None:
            guess = _species_from_name(path)
            if guess is None:
                raise PotentialFileError(f"{path}: an old-format meam/spline file names no element and "
                                         "none can be read from its file name; pass species=[...]")
            species = [guess]
        if len(species) != 1:
            raise PotentialFileError(f"{path}: an old-format meam/spline file holds one element, "
                                     f"got species={species}")
        n = 1

    def spline():
        if new_format:
            next_tokens()  # "spline3eq"
        start = pos[0]
        try:
            n_knots = int(next_tokens(1)[0])
            d0, dn = (float(v) for v in next_tokens(2)[:2])
            if not new_format:
                next_tokens()  # flag line, ignored
            xy = [tuple(float(v) for v in next_tokens(2)[:2]) for _ in range(n_knots)]
        except ValueError as err:
            fail(f"not a number in the spline starting at line {start + 1} ({err})")
        try:
            return Spline([p[0] for p in xy], [p[1] for p in xy], d0, dn)
        except ValueError as err:
            raise PotentialFileError(f"{path}, spline starting at line {start + 1}: {err}") from err

    n_pairs = n * (n + 1) // 2
    phi = [spline() for _ in range(n_pairs)]
    rho = [spline() for _ in range(n)]
    U = [spline() for _ in range(n)]
    f = [spline() for _ in range(n)]
    g = [spline() for _ in range(n_pairs)]
    return MeamSplineFile(list(species), phi, rho, U, f, g, lines[0], new_format)


def format_meam_spline(data: MeamSplineFile) -> str:
    """The text of a ``meam/spline`` file for ``data``."""
    if not data.new_format and len(data.species) != 1:
        raise ValueError("the old meam/spline format holds one element; use new_format=True")
    comment = data.comment if data.comment.startswith("#") else "# " + data.comment
    out = [comment.replace("\n", " ")]
    if data.new_format:
        out.append(f"meam/spline {len(data.species)} " + " ".join(data.species))
    for s in data.phi + data.rho + data.U + data.f + data.g:
        if data.new_format:
            out.append("spline3eq")
        out.append(str(s.n_knots))
        out.append(f"{s.d0!r} {s.dn!r}")
        if not data.new_format:
            out.append("1 0 1 0")
        out.extend(f"{x!r} {y!r} {y2!r}" for x, y, y2 in zip(s.x.tolist(), s.y.tolist(), s.y2.tolist()))
    return "\n".join(out) + "\n"


def write_meam_spline(path: str | os.PathLike, data: MeamSplineFile) -> Path:
    """Write ``data`` to ``path`` atomically and return the path."""
    text = format_meam_spline(data).encode()
    write_atomically(path, lambda fh: fh.write(text))
    return Path(path)


def read_lammps_meam_spline(path: str | os.PathLike, species: list[str] | None = None) -> SplineMEAM:
    """A ``"smeam"`` :class:`SplineMEAM` from a LAMMPS ``meam/spline`` file (old or new format);
    the loader entry of ``atomforge.load``."""
    try:
        data = read_meam_spline(path, species)
    except (ValueError, IndexError) as err:
        if isinstance(err, PotentialFileError):
            raise
        raise PotentialFileError(f"{path}: cannot read as a meam/spline file ({err})") from err
    pot = SplineMEAM(data.species, {"phi": data.phi, "rho": data.rho, "U": data.U, "f": data.f, "g": data.g},
                     "smeam")
    pot.comment = data.comment
    pot.new_format = data.new_format
    return pot


def write_lammps_meam_spline(potential: SplineMEAM, path: str | os.PathLike, *,
                             new_format: bool | None = None) -> Path:
    """Write ``potential`` as a LAMMPS ``meam/spline`` file; functions its variant lacks are written as zero.

    ``new_format`` defaults to the format the potential was read from (new if not read).
    """
    n = len(potential.species)
    phi = potential.splines["phi"]
    zero_e = [Spline(phi[pair_index(a, a, n)].x, np.zeros(phi[pair_index(a, a, n)].n_knots), 0.0, 0.0)
              for a in range(n)]
    zero_a = Spline(np.linspace(-1.0, 1.0, 3), np.zeros(3), 0.0, 0.0)
    get = potential.splines.get
    data = MeamSplineFile(potential.species, phi, get("rho", zero_e), get("U", [zero_a] * n), get("f", zero_e),
                          get("g", [zero_a] * n_pairs_of(n)), potential.comment,
                          potential.new_format if new_format is None else new_format)
    return write_meam_spline(path, data)


def export_meam_spline(potential: SplineMEAM, folder: Path, name: str) -> dict:
    """Exporter entry (:data:`atomforge.lammps.export.EXPORTERS`): ``name.meam.spline`` and its pair lines."""
    path = write_lammps_meam_spline(potential, folder / f"{name}.meam.spline").resolve()
    return {"files": [path],
            "pair_lines": ["pair_style meam/spline", f"pair_coeff * * {path} {' '.join(potential.species)}"]}
