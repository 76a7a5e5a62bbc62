"""Energies and forces of a 108-atom cell for 10,000 s-MEAM parameter sets via structure vectors.

System: fcc Ni 3×3×3 (a = 3.52 Å, rattled σ = 0.05 Å), the published Ni s-MEAM form (7 knots per
spline, 45 parameters); parameter sets θ = θ_0 + 0.02·N(0, 1)·max(|θ_0|, 0.1), fixed seeds.

Routes, each giving energy and forces for every set:

* atomforge structure vectors: ``compute_structure_vectors`` once (timed apart), then
  ``evaluate_batch`` on all sets.
* atomforge calculator, geometry reused: the neighbour list computed once, then per set
  ``pot.with_theta(θ)`` (new spline tables) and the same kernels ``SplineMEAM.evaluate`` runs.
* atomforge calculator as a user calls it: ``pot.with_theta(θ).evaluate(atoms)`` per set
  (neighbour list rebuilt each time).
* LAMMPS ``pair_style meam/spline`` (serial, in-process): per set a new potential file (written
  by ``atomforge.lammps.meam_spline.write_lammps_meam_spline``), ``pair_coeff * * FILE Ni``, ``run 0``, energy and forces read
  back. Timed in two parts: LAMMPS (pair_coeff + run 0 + read-back, files written beforehand) and
  the file writing.

The per-set routes are timed on ``--n-reference`` sets and scaled to ``--n-sets``. After one
warm-up call of each (numba compile, LAMMPS setup), ``--passes`` passes (default 5) alternate the
routes so that all meet the same load; each route's time is its best pass. Every route runs on
``--threads`` threads (default 1: numba, OpenBLAS; LAMMPS is serial), set before numpy is
imported. Energies and forces of every route are compared with the
batch on the reference sets (max |difference| printed). Anchor: 3.4 s for 10,000 sets on a
16-core node (Vita & Trinkle 2021). The load average is recorded: the machine may be shared.
What the choices saw: the cell, the perturbation and the 200 reference sets predate the LAMMPS
and geometry-reused routes; the alternating passes came after single passes swung by 2-3x with
the load; nothing was tuned on the timings.

Usage: ``PYTHONPATH=src python3 benchmarks/smeam_vectors.py [--n-sets 10000] [--n-reference 200]
[--passes 5] [--threads 1] [--out FILE]`` (prints the JSON and writes it atomically to
``benchmarks/results/smeam_vectors.json``).
"""

from __future__ import annotations

import argparse
import os
import sys


def _threads_from_argv() -> str:
    for k, a in enumerate(sys.argv):
        if a == "--threads" and k + 1 < len(sys.argv):
            return sys.argv[k + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return "1"


for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = _threads_from_argv()

import json  # noqa: E402
import platform  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from ase.build import bulk  # noqa: E402

import atomforge  # noqa: E402
from atomforge.fileio import write_atomically  # noqa: E402
from atomforge.fitting.smeam.structure_vectors import (  # noqa: E402
    Layout,
    compute_structure_vectors,
    evaluate_batch,
)
from atomforge.lammps.meam_spline import write_lammps_meam_spline  # noqa: E402
from atomforge.models._meam_spline_kernels import forces_virial, meam_energy_gradient  # noqa: E402
from atomforge.neighbors import neighbor_list  # noqa: E402
from atomforge.paths import data_dir  # noqa: E402

HERE = Path(__file__).resolve().parent


class ReusedGeometry:
    """SplineMEAM.evaluate (energy, forces) with the neighbour list of ``atoms`` computed once."""

    def __init__(self, pot, atoms):
        self.atoms = atoms
        self.types = pot.types_of(atoms)
        self.nl = neighbor_list(atoms, pot.cutoff)
        self.off = self.nl.offsets(len(atoms))
        self.cutoff = pot.cutoff

    def __call__(self, pot):
        nl = self.nl
        energies, grad = meam_energy_gradient(pot._table, pot._ids, self.types, self.off, nl.j,
                                              nl.vectors, nl.distances, self.cutoff)
        forces, _ = forces_virial(len(self.atoms), nl.i, nl.j, nl.vectors, grad)
        return float(energies.sum()), forces


class LammpsMeamSpline:
    """One LAMMPS instance holding ``atoms``; ``(path)`` re-reads a meam/spline file and runs 0."""

    def __init__(self, atoms, element):
        from atomforge.lammps.session import LammpsSession

        self.element = element
        self.session = LammpsSession(atoms, [element])
        self.session.commands(["pair_style meam/spline", "thermo_style custom pe"])

    def __call__(self, path):
        self.session.command(f"pair_coeff * * {path} {self.element}")
        self.session.run0()
        return self.session.energy(), self.session.forces()

    def close(self):
        self.session.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-sets", type=int, default=10_000)
    ap.add_argument("--n-reference", type=int, default=200)
    ap.add_argument("--passes", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1, help="numba/OpenBLAS threads (set at start)")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "smeam_vectors.json")
    args = ap.parse_args()
    load_before = os.getloadavg()

    pot = atomforge.load(data_dir() / "smeam_published" / "Ni" / "Ni.meam.spline")  # 7 knots each
    atoms = bulk("Ni", "fcc", a=3.52, cubic=True).repeat(3)  # 108 atoms
    atoms.positions += np.random.default_rng(0).normal(scale=0.05, size=atoms.positions.shape)
    layout = Layout(pot)
    rng = np.random.default_rng(1)
    theta0 = pot.theta()
    noise = rng.normal(size=(args.n_sets, len(theta0)))
    thetas = theta0 + 0.02 * noise * np.maximum(np.abs(theta0), 0.1)  # (n_sets, n_params)
    sample = thetas[: args.n_reference]
    n_ref = len(sample)

    # structure vectors
    compute_structure_vectors(layout, atoms)  # warm up (numba)
    t0 = time.perf_counter()
    sv = compute_structure_vectors(layout, atoms)
    t_precompute = time.perf_counter() - t0
    reuse = ReusedGeometry(pot, atoms)
    with tempfile.TemporaryDirectory() as tmp:
        paths = [Path(tmp) / f"set{p:05d}.meam.spline" for p in range(n_ref)]
        lmp = LammpsMeamSpline(atoms, "Ni")
        routes = {
            "structure_vectors_batch": lambda: evaluate_batch(layout, sv, thetas, stress=False),
            "calculator_geometry_reused": lambda: [reuse(pot.with_theta(th)) for th in sample],
            "calculator_fresh_neighbour_list": lambda: [
                (ev.energy, ev.forces) for ev in (
                    pot.with_theta(th).evaluate(atoms, forces=True, stress=False)
                    for th in sample)],
            "lammps_file_write": lambda: [write_lammps_meam_spline(pot.with_theta(th), path)
                                          for th, path in zip(sample, paths)],
            "lammps_meam_spline_pair_coeff_run0": lambda: [lmp(path) for path in paths],
        }
        # warm-up (numba, LAMMPS), then passes that alternate the routes so that all meet the
        # same load; each route's best pass
        evaluate_batch(layout, sv, thetas[:50], stress=False)
        reuse(pot.with_theta(sample[0]))
        pot.with_theta(sample[0]).evaluate(atoms, forces=True, stress=False)
        write_lammps_meam_spline(pot.with_theta(sample[0]), paths[0])
        lmp(paths[0])
        best = dict.fromkeys(routes, float("inf"))
        for _ in range(args.passes):
            for name, fn in routes.items():
                t = time.perf_counter()
                fn()
                best[name] = min(best[name], time.perf_counter() - t)
        out = {name: fn() for name, fn in routes.items() if name != "lammps_file_write"}
        lmp.close()
    batch = evaluate_batch(layout, sv, sample, stress=False)

    def max_diff(routes):
        e = max(abs(r[0] - batch["energy"][p]) for p, r in enumerate(routes))
        f = max(np.abs(r[1] - batch["forces"][p]).max() for p, r in enumerate(routes))
        return {"energy_eV": float(e), "forces_eV_per_A": float(f)}

    scale = args.n_sets / n_ref
    per_set = {name: t / (args.n_sets if name == "structure_vectors_batch" else n_ref)
               for name, t in best.items()}
    per_set["lammps_total"] = (per_set["lammps_file_write"]
                               + per_set["lammps_meam_spline_pair_coeff_run0"])
    import numba
    import scipy

    report = {
        "task": "s-MEAM energies+forces for many parameter sets (structure vectors)",
        "system": "fcc Ni 3x3x3 (rattled 0.05 A), published Ni s-MEAM form, 7 knots per spline",
        "n_atoms": len(atoms), "n_parameter_sets": args.n_sets, "n_params": layout.n_params,
        "n_density_features": layout.n_dens, "n_force_rows": int(len(sv.row_center) * 3),
        "threads": args.threads,
        "t_atomforge_s": best["structure_vectors_batch"],
        "t_precompute_structure_vectors_s": t_precompute,
        "t_per_set_s": per_set,
        "t_for_all_sets_s": {k: v * args.n_sets for k, v in per_set.items()},
        "speedup_of_batch_over": {k: v / per_set["structure_vectors_batch"]
                                  for k, v in per_set.items()
                                  if k not in ("structure_vectors_batch", "lammps_file_write")},
        "timing": f"warm-up, then best of {args.passes} passes alternating the routes; the "
                  f"per-set routes on {n_ref} sets, scaled to {args.n_sets}",
        "max_abs_difference_vs_batch": {name: max_diff(r) for name, r in out.items()
                                        if name != "structure_vectors_batch"},
        "anchor_paper_s": 3.4, "anchor_note": "Vita & Trinkle 2021, 16-core node",
        "versions": {"numpy": np.__version__, "numba": numba.__version__,
                     "scipy": scipy.__version__,
                     "atomforge": atomforge.__version__, "lammps": _version("lammps")},
        "cpu": {"model": platform.processor() or platform.machine(), "n_cores": os.cpu_count(),
                "load_avg_before": load_before, "load_avg_after": os.getloadavg()},
    }
    text = json.dumps(report, indent=1) + "\n"
    write_atomically(args.out, lambda f: f.write(text), mode="w")
    print(text, end="")


def _version(name):
    from importlib.metadata import version

    return version(name)


if __name__ == "__main__":
    main()
