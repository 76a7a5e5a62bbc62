"""Reader for the mlearn benchmark JSON (Zuo et al., J. Phys. Chem. A 124, 731 (2020)).

A file is a JSON list of records ``{"structure": <pymatgen Structure dict>, "outputs":
{"energy", "forces", "virial_stress"}, "group", "description", ...}``. ``energy`` is the total
energy of the cell (eV), ``forces`` eV/Å, and ``virial_stress`` six components in **kbar with
positive = compressive**, whose shear components come in an order that differs between elements
(see :data:`SHEAR_ORDERS`).

The Ni and Cu training sets are distributed as extended XYZ with a separate group file
(``<stem>_groups_inferred.csv``); :func:`read_group_csv` reads that file.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
from ase import Atoms

from ..errors import DataError
from ..units import stress_to_internal
from .fields import as_array, as_float, symbols_to_numbers
from .frame import Frame, validate_frame

#: Order of the six ``virial_stress`` components per element in the published mlearn files,
#: worked out from the sheared Elastic structures (data README): Si, Ge and Li follow VASP,
#: Mo, Ni and Cu swap the last two.
VASP_ORDER = ("xx", "yy", "zz", "xy", "yz", "xz")
SHEAR_ORDERS: dict[str, tuple[str, ...]] = {
    "Si": VASP_ORDER, "Ge": VASP_ORDER, "Li": VASP_ORDER,
    "Mo": ("xx", "yy", "zz", "xy", "xz", "yz"),
    "Ni": ("xx", "yy", "zz", "xy", "xz", "yz"),
    "Cu": ("xx", "yy", "zz", "xy", "xz", "yz"),
}

_VOIGT_INDEX = {"xx": 0, "yy": 1, "zz": 2, "yz": 3, "zy": 3, "xz": 4, "zx": 4, "xy": 5, "yx": 5}

#: Units and sign of ``virial_stress`` (one entry of :data:`atomforge.units.PRESSURE_UNITS`).
STRESS_UNIT, STRESS_POSITIVE = "kbar", "compressive"


def read_mlearn(path, *, shear_order=None) -> list[Frame]:
    """Read an mlearn JSON file.

    Parameters
    ----------
    path : path-like
    shear_order : sequence of 6 str, optional
        Order of the ``virial_stress`` components, e.g. ``["xx", "yy", "zz", "xy", "yz", "xz"]``.
        Default: from :data:`SHEAR_ORDERS` for the element of the file (Si, Ge, Li:
        ``[xx, yy, zz, xy, yz, xz]``; Mo, Ni, Cu: ``[xx, yy, zz, xy, xz, yz]``); an element
        outside that table needs it given.

    Returns
    -------
    list of Frame
        Stress converted to Voigt ``[xx, yy, zz, yz, xz, xy]`` in eV/Å³, positive = tensile;
        ``group`` from the record's ``group``; ``info["description"]`` kept.
    """
    path = Path(path)
    src = str(path)
    text = path.read_text(encoding="utf-8", errors="replace")
    if not text.strip():
        raise DataError("the file is empty; expected an mlearn JSON list of records", source=src)
    try:
        records = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as err:
        raise DataError(f"not valid JSON ({err}); the file may be truncated", source=src) from err
    if isinstance(records, dict):
        records = [records]
    if not isinstance(records, list) or not records:
        raise DataError("expected a non-empty JSON list of mlearn records", source=src)
    order = None if shear_order is None else _permutation(shear_order, src)
    return [_record_to_frame(rec, order, src, k) for k, rec in enumerate(records)]


def _permutation(shear_order, src) -> np.ndarray:
    """Index array p such that ``voigt[p[k]] = raw[k]``."""
    names = [str(s).lower() for s in shear_order]
    if len(names) != 6 or any(n not in _VOIGT_INDEX for n in names) or \
            len({_VOIGT_INDEX[n] for n in names}) != 6:
        raise DataError(f"shear_order must name each of xx, yy, zz, yz, xz, xy once, got "
                        f"{list(shear_order)}", source=src, field="virial_stress")
    return np.array([_VOIGT_INDEX[n] for n in names])


def _record_to_frame(rec, order, src: str, k: int) -> Frame:
    if not isinstance(rec, dict):
        raise DataError(f"expected a JSON object, got {type(rec).__name__}", source=src, frame=k)
    structure = rec.get("structure")
    if not isinstance(structure, dict):
        raise DataError("missing pymatgen structure", source=src, frame=k, field="structure")
    lattice = structure.get("lattice")
    matrix = lattice.get("matrix") if isinstance(lattice, dict) else None
    cell = as_array(matrix, (3, 3), source=src, frame=k, field="structure.lattice.matrix")
    sites = structure.get("sites")
    if not isinstance(sites, list) or not sites:
        raise DataError("expected a non-empty list of sites", source=src, frame=k,
                        field="structure.sites")
    symbols, positions = [], []
    for a, site in enumerate(sites):
        species = site.get("species") if isinstance(site, dict) else None
        if not isinstance(species, list) or len(species) != 1 or not isinstance(species[0], dict):
            raise DataError(f"site {a} must hold exactly one species (disordered sites are not "
                            "supported)", source=src, frame=k, field="structure.sites")
        if as_float(species[0].get("occu", 1.0), source=src, frame=k,
                    field="structure.sites.species.occu") != 1.0:
            raise DataError(f"site {a} has partial occupancy {species[0].get('occu')}",
                            source=src, frame=k, field="structure.sites")
        symbols.append(species[0].get("element"))
        if "xyz" in site:
            positions.append(site["xyz"])
        else:
            frac = as_array(site.get("abc"), (3,), source=src, frame=k, field="structure.sites.abc")
            positions.append(frac @ cell)
    numbers = symbols_to_numbers(symbols, source=src, frame=k, field="structure.sites.species")
    pos = as_array(positions, (len(numbers), 3), source=src, frame=k, field="structure.sites.xyz")
    atoms = Atoms(numbers=numbers, positions=pos, cell=cell, pbc=True)
    outputs = rec.get("outputs")
    if not isinstance(outputs, dict):
        raise DataError("missing 'outputs' with energy, forces and virial_stress", source=src,
                        frame=k, field="outputs")
    energy = as_float(outputs.get("energy"), source=src, frame=k, field="outputs.energy")
    forces = None
    if outputs.get("forces") is not None:
        forces = as_array(outputs["forces"], (len(numbers), 3), source=src, frame=k,
                          field="outputs.forces")
    stress = None
    if outputs.get("virial_stress") is not None:
        raw = as_array(outputs["virial_stress"], (6,), source=src, frame=k,
                       field="outputs.virial_stress")
        perm = order if order is not None else _default_order(atoms, src, k)
        voigt = np.empty(6)
        voigt[perm] = raw
        stress = stress_to_internal(voigt, unit=STRESS_UNIT, positive=STRESS_POSITIVE)
    group = rec.get("group")
    info = {"description": rec["description"]} if isinstance(rec.get("description"), str) else {}
    frame = Frame(atoms, energy=energy, forces=forces, stress=stress,
                  group=str(group) if group else Path(src).stem, source=f"{src}:{k}", info=info)
    return validate_frame(frame, source=src, index=k)


def _default_order(atoms: Atoms, src: str, k: int) -> np.ndarray:
    elements = sorted(set(atoms.get_chemical_symbols()))
    orders = {SHEAR_ORDERS.get(e) for e in elements}
    if None in orders or len(orders) != 1:
        raise DataError(f"no known virial_stress component order for elements {elements} "
                        f"(known: {sorted(SHEAR_ORDERS)}); pass shear_order=[...] to the reader",
                        source=src, frame=k, field="outputs.virial_stress")
    return _permutation(orders.pop(), src)


def read_group_csv(path, frames) -> list[str]:
    """Group names from an mlearn ``*_groups_inferred.csv`` (columns index, num_atoms, energy_eV, group).

    Lines starting with ``#`` are comments. Raises :class:`DataError` unless the file lists
    exactly the given frames, in order, with matching atom counts.
    """
    src = str(path)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    if [r.get("index") for r in rows] != [str(k) for k in range(len(frames))]:
        raise DataError(f"expected rows for frames 0..{len(frames) - 1} in order, found "
                        f"{len(rows)} rows; is this the group file of that data file?",
                        source=src, field="index")
    for k, (row, frame) in enumerate(zip(rows, frames)):
        if not row.get("group"):
            raise DataError("empty group name", source=src, frame=k, field="group")
        if row.get("num_atoms") not in (None, str(frame.n_atoms)):
            raise DataError(f"{row['num_atoms']} atoms here but {frame.n_atoms} in the data "
                            "file; is this the group file of that data file?", source=src,
                            frame=k, field="num_atoms")
    return [r["group"] for r in rows]
