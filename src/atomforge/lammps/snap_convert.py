"""Conversion between LAMMPS SNAP files (``pair_style snap``, with a ``zbl`` overlay) and
:class:`~atomforge.models.DescriptorPotential` on the bispectrum with a linear or quadratic model."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..descriptors.snap import Bispectrum
from ..errors import ConfigError, PotentialFileError
from ..fileio import write_atomically
from ..models import DescriptorPotential, LinearModel, QuadraticModel
from ..pairs.zbl import ZBL
from .snap import SnapFiles, pair_style_lines, read_snap, read_snap_include, write_snap


def read_lammps_snap(path: str | Path) -> DescriptorPotential:
    """Open a LAMMPS SNAP potential (``.snap`` include, ``.snapcoeff`` or ``.snapparam``); the loader
    entry of ``atomforge.load``."""
    path = Path(path)
    if path.suffix == ".snap":
        files = read_snap_include(path)
    elif path.suffix == ".snapparam":
        files = read_snap(path.with_suffix(".snapcoeff"), path)
    elif path.suffix == ".snapcoeff":
        files = read_snap(path)
    else:
        raise ConfigError(f"{path}: not a LAMMPS SNAP file (.snap, .snapcoeff, .snapparam)")
    return potential_from_snap_files(files, source=str(path))


def potential_from_snap_files(files: SnapFiles, source: str = "") -> DescriptorPotential:
    """A potential equal to LAMMPS ``pair_style snap`` (with ``zbl`` overlay) of ``files``."""
    p = files.params
    for key in ("bnormflag", "wselfallflag"):
        if p[key]:
            raise PotentialFileError(f"{source}: {key} {p[key]} is not supported by atomforge")
    descriptor = Bispectrum(elements=list(files.species), twojmax=int(p["twojmax"]),
                            rcutfac=float(p["rcutfac"]), rfac0=float(p["rfac0"]),
                            rmin0=float(p["rmin0"]), radii=[float(r) for r in files.radii],
                            weights=[float(w) for w in files.weights],
                            switchflag=int(p["switchflag"]), bzeroflag=int(p["bzeroflag"]))
    model_cls = QuadraticModel if p["quadraticflag"] else LinearModel
    model = model_cls(species=list(files.species)).set_coefficients(files.coeffs)
    zbl = ZBL(files.zbl["inner"], files.zbl["outer"], files.zbl["z"]) if files.zbl else None
    return DescriptorPotential(descriptor, model, zbl, {"source": source} if source else None)


def snap_files_from_potential(potential: DescriptorPotential) -> SnapFiles:
    """The LAMMPS files of a potential on the bispectrum with a linear or quadratic model."""
    d = potential.descriptor
    if getattr(d, "name", None) != "snap" or d.quadratic:
        raise ConfigError("only a potential on the plain bispectrum (descriptor 'snap', quadratic false; "
                          "use a quadratic model instead) can be written as LAMMPS pair_style snap")
    model = potential.model
    model._check_fitted()
    index = {s: k for k, s in enumerate(d.elements)}
    missing = [s for s in model.species if s not in index]
    if missing:
        raise ConfigError(f"model species {missing} are not among the descriptor elements {d.elements}")
    params = {"rcutfac": float(d.rcutfac), "twojmax": int(d.twojmax), "rfac0": float(d.rfac0),
              "rmin0": float(d.rmin0), "switchflag": int(d.switchflag), "bzeroflag": int(d.bzeroflag),
              "quadraticflag": int(bool(model.quadratic)), "chemflag": 0, "bnormflag": 0,
              "wselfallflag": 0, "switchinnerflag": 0}
    files = SnapFiles(list(model.species), np.array([d.radii[index[s]] for s in model.species], float),
                      np.array([d.weights[index[s]] for s in model.species], float),
                      np.array(model.coef_, float), params)
    if potential.pair is not None:
        if not isinstance(potential.pair, ZBL):
            raise ConfigError(f"pair_style snap files can carry a ZBL core only, not {potential.pair.name!r}")
        files.zbl = potential.pair.to_dict()
    return files


def write_lammps_snap(files: SnapFiles, folder: str | Path, name: str) -> dict:
    """Write ``name.snapcoeff``, ``name.snapparam`` and an include file ``name.snap`` to ``folder``.

    Returns the three paths and the ``pair_style``/``pair_coeff`` lines (types in species order).
    """
    folder = Path(folder)
    coeff, param = write_snap(files, folder / f"{name}.snapcoeff", folder / f"{name}.snapparam")
    lines = pair_style_lines(files, coeff.name, param.name)
    include = folder / f"{name}.snap"
    text = (f"# LAMMPS SNAP potential written by atomforge; atom types 1..{len(files.species)} = "
            f"{' '.join(files.species)}\n" + "\n".join(lines) + "\n")
    write_atomically(include, lambda f: f.write(text.encode()))
    return {"snapcoeff": coeff, "snapparam": param, "include": include, "pair_lines": lines}


def export_snap(potential: DescriptorPotential, folder: Path, name: str) -> dict:
    """Exporter entry (:data:`atomforge.lammps.export.EXPORTERS`): ``name.snapcoeff``,
    ``name.snapparam``, the include file ``name.snap``, and the pair lines with absolute paths."""
    files = snap_files_from_potential(potential)
    written = write_lammps_snap(files, folder, name)
    paths = [Path(written[k]).resolve() for k in ("snapcoeff", "snapparam", "include")]
    return {"files": paths, "pair_lines": pair_style_lines(files, str(paths[0]), str(paths[1]))}
