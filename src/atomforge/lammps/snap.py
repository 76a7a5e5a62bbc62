"""LAMMPS SNAP potential files: ``.snapcoeff`` + ``.snapparam``, and ``.snap`` include files.

A ``.snapcoeff`` file holds, after comment lines, ``n_elements n_coeff``, then for each element a
line ``symbol radius weight`` followed by ``n_coeff`` coefficients: β0 (the per-atom constant),
the linear coefficients of the bispectrum components, and, for ``quadraticflag 1``, the
coefficients of the products ``B_k B_l`` (k ≤ l, row-major; LAMMPS multiplies the diagonal ones
by ½). A ``.snapparam`` file holds ``keyword value`` lines. The published Zuo et al. files carry a
``diagonalstyle 3`` line that current LAMMPS rejects: it is accepted and dropped here (3 is the
only style LAMMPS implements). A ``.snap`` include file holds the ``pair_style``/``pair_coeff``
lines, possibly with a ZBL term in ``hybrid/overlay`` (the Ta06A potential).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import PotentialFileError

#: snapparam keywords atomforge reads, with their LAMMPS defaults (None: required).
SNAPPARAM_KEYWORDS: dict[str, object] = {
    "rcutfac": None, "twojmax": None, "rfac0": 0.99363, "rmin0": 0.0, "switchflag": 1,
    "bzeroflag": 1, "quadraticflag": 0, "chemflag": 0, "bnormflag": 0, "wselfallflag": 0,
    "switchinnerflag": 0,
}
_INT_KEYWORDS = {"twojmax", "switchflag", "bzeroflag", "quadraticflag", "chemflag", "bnormflag",
                 "wselfallflag", "switchinnerflag"}
#: Keywords that are read and dropped (no meaning in current LAMMPS).
_DROPPED_KEYWORDS = {"diagonalstyle"}


@dataclass
class SnapFiles:
    """The content of a ``.snapcoeff`` + ``.snapparam`` pair.

    Attributes
    ----------
    species : list of str
        Element symbols in file order.
    radii, weights : ndarray, shape (n_elements,)
        ``R_j`` (dimensionless; cutoff of a pair = rcutfac·(R_i + R_j), Å) and neighbor weights ``w_j``.
    coeffs : ndarray, shape (n_elements, n_coeff), eV
        β0, then linear, then (quadratic only) product coefficients, as in the file.
    params : dict
        snapparam keywords (``rcutfac`` in Å, ``twojmax``, ...), LAMMPS defaults filled in.
    zbl : dict or None
        ``{"inner": Å, "outer": Å, "z": {symbol: Z}}`` when a ``.snap`` file overlays ``pair_style zbl``.
    """

    species: list[str]
    radii: np.ndarray
    weights: np.ndarray
    coeffs: np.ndarray
    params: dict
    zbl: dict | None = None

    @property
    def n_bispectrum(self) -> int:
        """Number of bispectrum components for ``twojmax`` (LAMMPS ``diagonalstyle 3``)."""
        return n_bispectrum(int(self.params["twojmax"]))


def n_bispectrum(twojmax: int) -> int:
    """Number of bispectrum components B_{j1 j2 j} with j2 ≤ j1 ≤ j, for ``twojmax``."""
    count = 0
    for j1 in range(twojmax + 1):
        for j2 in range(j1 + 1):
            for j in range(j1 - j2, min(twojmax, j1 + j2) + 1, 2):
                if j >= j1:
                    count += 1
    return count


def n_snap_coeffs(twojmax: int, quadratic: bool) -> int:
    """Coefficients per element in a ``.snapcoeff`` file: 1 + n_B (+ n_B (n_B + 1) / 2)."""
    nb = n_bispectrum(twojmax)
    return 1 + nb + (nb * (nb + 1) // 2 if quadratic else 0)


def _tokens(text: str):
    """Non-empty lines with comments removed, as lists of words, with 1-based line numbers."""
    for k, line in enumerate(text.splitlines(), start=1):
        words = line.split("#", 1)[0].split()
        if words:
            yield k, words


def read_snapparam(path: str | Path) -> dict:
    """Read a ``.snapparam`` file into a dict with LAMMPS defaults filled in."""
    path = Path(path)
    params: dict = {}
    for lineno, words in _tokens(_read_text(path)):
        key = words[0]
        if len(words) != 2:
            raise PotentialFileError(f"{path}, line {lineno}: expected 'keyword value', got {' '.join(words)!r}")
        if key in _DROPPED_KEYWORDS:
            if key == "diagonalstyle" and words[1] != "3":
                raise PotentialFileError(f"{path}, line {lineno}: diagonalstyle {words[1]} is not "
                                         "supported (only 3, the one LAMMPS implements)")
            continue
        if key not in SNAPPARAM_KEYWORDS:
            raise PotentialFileError(f"{path}, line {lineno}: unknown SNAP parameter {key!r}; "
                                     f"known: {sorted(SNAPPARAM_KEYWORDS)}")
        try:
            params[key] = int(words[1]) if key in _INT_KEYWORDS else float(words[1])
        except ValueError as err:
            raise PotentialFileError(f"{path}, line {lineno}: bad value {words[1]!r} for {key}") from err
    for key, default in SNAPPARAM_KEYWORDS.items():
        if key not in params:
            if default is None:
                raise PotentialFileError(f"{path}: required SNAP parameter {key!r} is missing")
            params[key] = default
    for key in ("chemflag", "switchinnerflag"):
        if params[key]:
            raise PotentialFileError(f"{path}: {key} 1 is not supported by atomforge")
    return params


def read_snapcoeff(path: str | Path):
    """Read a ``.snapcoeff`` file → (species, radii, weights, coeffs)."""
    path = Path(path)
    lines = list(_tokens(_read_text(path)))
    if not lines:
        raise PotentialFileError(f"{path}: empty SNAP coefficient file")
    try:
        n_elem, n_coeff = (int(w) for w in lines[0][1][:2])
    except ValueError as err:
        raise PotentialFileError(f"{path}, line {lines[0][0]}: expected 'n_elements n_coeff'") from err
    if len(lines) < 1 + n_elem * (n_coeff + 1):
        raise PotentialFileError(f"{path}: truncated: {n_elem} elements × {n_coeff} coefficients "
                                 f"announced, {len(lines) - 1} lines found")
    species, radii, weights = [], [], []
    coeffs = np.zeros((n_elem, n_coeff))
    row = 1
    for e in range(n_elem):
        lineno, words = lines[row]
        if len(words) < 3:
            raise PotentialFileError(f"{path}, line {lineno}: expected 'element radius weight'")
        species.append(words[0])
        radii.append(float(words[1]))
        weights.append(float(words[2]))
        for k in range(n_coeff):
            lineno, words = lines[row + 1 + k]
            try:
                coeffs[e, k] = float(words[0])
            except ValueError as err:
                raise PotentialFileError(f"{path}, line {lineno}: coefficient {k} of "
                                         f"{species[-1]} is not a number: {words[0]!r}") from err
        row += n_coeff + 1
    return species, np.array(radii), np.array(weights), coeffs


def _read_text(path: Path) -> str:
    try:
        return path.read_text()
    except OSError as err:
        raise PotentialFileError(f"{path}: cannot read ({err})") from err


def read_snap(coeff_path: str | Path, param_path: str | Path | None = None) -> SnapFiles:
    """Read a ``.snapcoeff`` + ``.snapparam`` pair (``param_path`` defaults to the sibling file)."""
    coeff_path = Path(coeff_path)
    if param_path is None:
        param_path = coeff_path.with_suffix(".snapparam")
    params = read_snapparam(param_path)
    species, radii, weights, coeffs = read_snapcoeff(coeff_path)
    expected = n_snap_coeffs(int(params["twojmax"]), bool(params["quadraticflag"]))
    if coeffs.shape[1] != expected:
        raise PotentialFileError(
            f"{coeff_path}: {coeffs.shape[1]} coefficients per element, but twojmax "
            f"{params['twojmax']} with quadraticflag {params['quadraticflag']} needs {expected}")
    return SnapFiles(species, radii, weights, coeffs, params)


def write_snap(files: SnapFiles, coeff_path: str | Path, param_path: str | Path | None = None,
               *, comment: str = "written by atomforge") -> tuple[Path, Path]:
    """Write ``files`` as a ``.snapcoeff`` + ``.snapparam`` pair, atomically; returns both paths.

    Numbers are written with ``repr`` so that reading them back gives the same floats.
    """
    from ..potential import write_atomically

    coeff_path = Path(coeff_path)
    param_path = Path(param_path) if param_path is not None else coeff_path.with_suffix(".snapparam")
    out = io.StringIO()
    out.write(f"# {comment}\n\n{len(files.species)} {files.coeffs.shape[1]}\n")
    for e, s in enumerate(files.species):
        out.write(f"{s} {float(files.radii[e])!r} {float(files.weights[e])!r}\n")
        out.writelines(f"{float(c)!r}\n" for c in files.coeffs[e])
    par = io.StringIO()
    par.write(f"# {comment}\n\n")
    for key in SNAPPARAM_KEYWORDS:
        v = files.params[key]
        par.write(f"{key} {int(v) if key in _INT_KEYWORDS else repr(float(v))}\n")
    write_atomically(coeff_path, lambda f: f.write(out.getvalue().encode()))
    write_atomically(param_path, lambda f: f.write(par.getvalue().encode()))
    return coeff_path, param_path


def pair_style_lines(files: SnapFiles, coeff_name: str, param_name: str) -> list[str]:
    """``pair_style``/``pair_coeff`` lines for LAMMPS (types numbered in ``files.species`` order)."""
    species = " ".join(files.species)
    if files.zbl is None:
        return ["pair_style snap", f"pair_coeff * * {coeff_name} {param_name} {species}"]
    z = files.zbl["z"]
    lines = [f"pair_style hybrid/overlay zbl {files.zbl['inner']!r} {files.zbl['outer']!r} snap"]
    for a, sa in enumerate(files.species):
        for b in range(a, len(files.species)):
            lines.append(f"pair_coeff {a + 1} {b + 1} zbl {z[sa]!r} {z[files.species[b]]!r}")
    lines.append(f"pair_coeff * * snap {coeff_name} {param_name} {species}")
    return lines


def read_snap_include(path: str | Path) -> SnapFiles:
    """Read a LAMMPS ``.snap`` include file (``variable``, ``pair_style``, ``pair_coeff`` lines).

    Supports ``pair_style snap`` and ``pair_style hybrid/overlay zbl INNER OUTER snap`` with
    ``pair_coeff I J zbl Zi Zj``; coefficient files are found relative to the include file.
    """
    path = Path(path)
    text = re.sub(r"&\s*\n", " ", _read_text(path))
    variables: dict[str, str] = {}
    style: list[str] | None = None
    zbl_pairs: list[tuple[str, str, float, float]] = []
    snap_args: list[str] | None = None
    for lineno, words in _tokens(text):
        words = [re.sub(r"\$\{(\w+)\}|\$(\w)", lambda m: variables.get(m.group(1) or m.group(2), m.group(0)), w)
                 for w in words]
        if words[0] == "variable" and len(words) >= 4 and words[2] in ("equal", "string", "index"):
            variables[words[1]] = words[3]
        elif words[0] == "pair_style":
            style = words[1:]
        elif words[0] == "pair_coeff":
            if "snap" in words[3:4] or (style == ["snap"] and words[1:3] == ["*", "*"]):
                snap_args = words[4:] if words[3] == "snap" else words[3:]
            elif words[3] == "zbl":
                zbl_pairs.append((words[1], words[2], float(words[4]), float(words[5])))
            else:
                raise PotentialFileError(f"{path}, line {lineno}: unsupported pair_coeff {' '.join(words)!r}")
        else:
            raise PotentialFileError(f"{path}, line {lineno}: unsupported command {words[0]!r} "
                                     "(expected variable, pair_style, pair_coeff)")
    if style is None or snap_args is None:
        raise PotentialFileError(f"{path}: no pair_style snap / pair_coeff * * snap lines found")
    files = read_snap(path.parent / snap_args[0], path.parent / snap_args[1])
    types = snap_args[2:]
    if style[0] == "hybrid/overlay":
        if style[1:2] != ["zbl"] or "snap" not in style:
            raise PotentialFileError(f"{path}: unsupported pair_style {' '.join(style)!r}")
        z: dict[str, float] = {}
        for ti, tj, zi, zj in zbl_pairs:
            for t, zz in ((ti, zi), (tj, zj)):
                symbol = types[int(t) - 1]
                if z.setdefault(symbol, zz) != zz:
                    raise PotentialFileError(f"{path}: inconsistent ZBL Z for {symbol}")
        missing = [s for s in types if s not in z]
        if missing:
            raise PotentialFileError(f"{path}: no ZBL pair_coeff for {missing}")
        files.zbl = {"inner": float(style[2]), "outer": float(style[3]), "z": z}
    elif style != ["snap"]:
        raise PotentialFileError(f"{path}: unsupported pair_style {' '.join(style)!r}")
    return files
