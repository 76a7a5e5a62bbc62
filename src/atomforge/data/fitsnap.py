"""Reader for FitSNAP JSON training files (e.g. the Ta set of Thompson et al. 2015).

A file starts with one or more comment lines (``# ...``), then
``{"Dataset": {"Data": [{"AtomTypes", "Lattice", "Positions", "Energy", "Forces", "Stress"}],
"StressStyle": "bar", ...}}``: positions Cartesian Å, total energy eV, forces eV/Å and a full
3×3 stress, by default in **bar with positive = compressive**. FitSNAP keeps one configuration
per file and one folder per group, so the group of a frame is the name of its file's folder.
"""

from __future__ import annotations

import json
from pathlib import Path

from ase import Atoms

from ..errors import DataError
from ..units import stress_to_internal
from .fields import as_array, as_float, symbols_to_numbers
from .frame import Frame, validate_frame

#: FitSNAP ``StressStyle`` → unit of :data:`atomforge.units.PRESSURE_UNITS`; the sign is always
#: positive = compressive (the VASP/LAMMPS pressure convention).
STRESS_STYLES = {"bar": "bar", "kbar": "kbar", "kB": "kbar", "GPa": "GPa"}
STRESS_POSITIVE = "compressive"
_EXPECTED_STYLES = {"EnergyStyle": ("electronvolt",), "ForcesStyle": ("electronvoltperangstrom",),
                    "LatticeStyle": ("angstrom",), "PositionsStyle": ("angstrom",),
                    "AtomTypeStyle": ("chemicalsymbol",)}


def read_fitsnap(path, *, group: str | None = None) -> list[Frame]:
    """Read one FitSNAP JSON file, or every ``*.json`` under a folder (sorted, recursively).

    Parameters
    ----------
    path : path-like
        A file, or a folder such as ``Ta_JCP2014/JSON`` holding one folder per group.
    group : str, optional
        Group of every frame; default: the name of the folder holding each file.
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.json") if p.is_file())
        if not files:
            raise DataError("no *.json files in this folder", source=str(path))
        return [f for p in files for f in read_fitsnap(p, group=group)]
    return _read_file(path, group if group is not None else path.resolve().parent.name)


def _read_file(path: Path, group: str) -> list[Frame]:
    src = str(path)
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = text.splitlines()
    while lines and (lines[0].lstrip().startswith("#") or not lines[0].strip()):
        lines.pop(0)
    if not lines:
        raise DataError("the file is empty; expected a FitSNAP JSON file ('# comment' line, "
                        "then {\"Dataset\": ...})", source=src)
    try:
        doc = json.loads("\n".join(lines))
    except (json.JSONDecodeError, RecursionError) as err:
        raise DataError(f"not valid JSON after the comment lines ({err}); the file may be "
                        "truncated", source=src) from err
    dataset = doc.get("Dataset") if isinstance(doc, dict) else None
    data = dataset.get("Data") if isinstance(dataset, dict) else None
    if not isinstance(data, list) or not data:
        raise DataError("expected {\"Dataset\": {\"Data\": [configurations]}}", source=src,
                        field="Dataset.Data")
    for key, allowed in _EXPECTED_STYLES.items():
        if dataset.get(key, allowed[0]) not in allowed:
            raise DataError(f"unsupported {key} {dataset[key]!r}; atomforge reads {allowed}",
                            source=src, field=key)
    style = dataset.get("StressStyle", "bar")
    if not isinstance(style, str) or style not in STRESS_STYLES:
        raise DataError(f"unknown StressStyle {style!r}; known: {sorted(STRESS_STYLES)}",
                        source=src, field="StressStyle")
    return [_config_to_frame(c, STRESS_STYLES[style], group, src, k) for k, c in enumerate(data)]


def _config_to_frame(conf, unit: str, group: str, src: str, k: int) -> Frame:
    if not isinstance(conf, dict):
        raise DataError(f"expected a JSON object, got {type(conf).__name__}", source=src, frame=k)
    numbers = symbols_to_numbers(conf.get("AtomTypes"), source=src, frame=k, field="AtomTypes")
    n = len(numbers)
    if "NumAtoms" in conf and conf["NumAtoms"] != n:
        raise DataError(f"NumAtoms is {conf['NumAtoms']} but AtomTypes lists {n} atoms",
                        source=src, frame=k, field="NumAtoms")
    positions = as_array(conf.get("Positions"), (n, 3), source=src, frame=k, field="Positions")
    cell = as_array(conf.get("Lattice"), (3, 3), source=src, frame=k, field="Lattice")
    energy = as_float(conf.get("Energy"), source=src, frame=k, field="Energy")
    forces = None
    if conf.get("Forces") is not None:
        forces = as_array(conf["Forces"], (n, 3), source=src, frame=k, field="Forces")
    stress = None
    if conf.get("Stress") is not None:
        raw = as_array(conf["Stress"], (3, 3), source=src, frame=k, field="Stress")
        stress = stress_to_internal(raw, unit=unit, positive=STRESS_POSITIVE)
    atoms = Atoms(numbers=numbers, positions=positions, cell=cell, pbc=True)
    frame = Frame(atoms, energy=energy, forces=forces, stress=stress, group=group,
                  source=f"{src}:{k}")
    return validate_frame(frame, source=src, index=k)
