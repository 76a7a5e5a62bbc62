"""The exporter registry: which potentials have a LAMMPS form, and the files that give it.

``EXPORTERS`` maps an export key to ``"module:function"``; the function takes
``(potential, folder, name)`` and returns ``{"files": [paths], "pair_lines": [LAMMPS commands]}``.
The key of a potential is its ``kind``, and for a descriptor potential
``"descriptor:<descriptor name>+<model name>"`` (:func:`export_key`). A new LAMMPS form is one
function and one entry here.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from ..errors import ConfigError

EXPORTERS: dict[str, str] = {
    "descriptor:ace+linear": "atomforge.lammps.pace:export_pace",
    "descriptor:ace+finnis_sinclair": "atomforge.lammps.pace:export_pace",
    "descriptor:snap+linear": "atomforge.lammps.snap_convert:export_snap",
    "descriptor:snap+quadratic": "atomforge.lammps.snap_convert:export_snap",
    "descriptor:so3+linear": "atomforge.lammps.mliap:write_mliap",
    "descriptor:so3+quadratic": "atomforge.lammps.mliap:write_mliap",
    "descriptor:snap+nn": "atomforge.lammps.mliap:write_mliap",
    "descriptor:so3+nn": "atomforge.lammps.mliap:write_mliap",
    "meam_spline": "atomforge.lammps.meam_spline:export_meam_spline",
}


def export_key(potential) -> str:
    """The registry key of ``potential``: its kind, with the descriptor and model names if it has them."""
    if hasattr(potential, "descriptor") and hasattr(potential, "model"):
        return f"{potential.kind}:{potential.descriptor.name}+{potential.model.name}"
    return potential.kind


def has_lammps_form(potential) -> bool:
    return export_key(potential) in EXPORTERS


def export_lammps(potential, folder: str | Path, name: str = "potential") -> dict:
    """Write ``potential``'s LAMMPS files to ``folder`` (created if absent).

    Returns ``{"files": [paths], "pair_lines": [...]}``: the pair lines use absolute paths and atom
    types 1..n in the order of ``potential.species``. A potential without a LAMMPS form raises
    :class:`ConfigError` naming the forms that exist.
    """
    key = export_key(potential)
    if key not in EXPORTERS:
        raise ConfigError(f"a {key} potential has no LAMMPS form (LAMMPS forms: {', '.join(sorted(EXPORTERS))}); "
                          "run it through its ASE calculator (Potential.calculator()) instead")
    module, func = EXPORTERS[key].split(":")
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{folder}: exists and is not a folder; LAMMPS files go into a folder")
    folder.mkdir(parents=True, exist_ok=True)
    return getattr(importlib.import_module(module), func)(potential, folder, name)


def export_pair_lines(potential, folder: str | Path, name: str = "potential") -> list[str] | None:
    """The pair lines of ``potential`` after writing its LAMMPS files, or None without a LAMMPS form."""
    if not has_lammps_form(potential):
        return None
    return export_lammps(potential, folder, name)["pair_lines"]
