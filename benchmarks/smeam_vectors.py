"""Energies and forces of a 108-atom cell for 10,000 s-MEAM parameter sets via structure vectors.

Reference: the same evaluation one parameter set at a time through the ordinary calculator
(``SplineMEAM.with_theta(θ).evaluate``), timed on ``--n-reference`` sets and scaled to the full
count. Anchor: 3.4 s for 10,000 sets on a 16-core node (Vita & Trinkle 2021).

Usage: ``PYTHONPATH=src python3 benchmarks/smeam_vectors.py [--n-sets 10000] [--n-reference 200]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np
from ase.build import bulk

import atomforge
from atomforge.fitting.smeam.structure_vectors import Layout, compute_structure_vectors, evaluate_batch
from atomforge.paths import data_dir


def best_time(fn, min_total=1.0, max_repeat=5):
    times = []
    while not times or (sum(times) < min_total and len(times) < max_repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-sets", type=int, default=10_000)
    ap.add_argument("--n-reference", type=int, default=200)
    args = ap.parse_args()

    pot = atomforge.load(data_dir() / "smeam_published" / "Ni" / "Ni.meam.spline")  # 7 knots each
    atoms = bulk("Ni", "fcc", a=3.52, cubic=True).repeat(3)  # 108 atoms
    atoms.positions += np.random.default_rng(0).normal(scale=0.05, size=atoms.positions.shape)
    layout = Layout(pot)
    rng = np.random.default_rng(1)
    theta0 = pot.theta()
    thetas = theta0 + 0.02 * rng.normal(size=(args.n_sets, len(theta0))) * np.maximum(np.abs(theta0), 0.1)

    compute_structure_vectors(layout, atoms)  # warm up (numba)
    t0 = time.perf_counter()
    sv = compute_structure_vectors(layout, atoms)
    t_precompute = time.perf_counter() - t0
    evaluate_batch(layout, sv, thetas[:50], stress=False)  # warm up
    t_batch = best_time(lambda: evaluate_batch(layout, sv, thetas, stress=False))

    def reference():
        for th in thetas[: args.n_reference]:
            pot.with_theta(th).evaluate(atoms, forces=True, stress=False)

    reference()
    t_ref_sample = best_time(reference, min_total=0.0, max_repeat=1)
    t_ref = t_ref_sample * args.n_sets / args.n_reference

    # exactness spot check on the first sets
    out = evaluate_batch(layout, sv, thetas[:3], stress=False)
    err = max(max(abs(out["energy"][p] - pot.with_theta(thetas[p]).evaluate(atoms).energy),
                  np.abs(out["forces"][p] - pot.with_theta(thetas[p]).evaluate(atoms).forces).max())
              for p in range(3))
    import numba
    import scipy

    print(json.dumps({
        "task": "s-MEAM energies+forces for many parameter sets (structure vectors)",
        "system": "fcc Ni 3x3x3 (rattled 0.05 A), published Ni s-MEAM form, 7 knots per spline",
        "n_atoms": len(atoms), "n_parameter_sets": args.n_sets, "n_params": layout.n_params,
        "n_density_features": layout.n_dens, "n_force_rows": int(len(sv.row_center) * 3),
        "reference": f"SplineMEAM.evaluate one set at a time (timed on {args.n_reference} sets, scaled)",
        "t_reference_s": t_ref, "t_atomforge_s": t_batch, "ratio": t_ref / t_batch,
        "t_precompute_structure_vectors_s": t_precompute,
        "anchor_paper_s": 3.4, "anchor_note": "Vita & Trinkle 2021, 16-core node",
        "max_abs_error_vs_calculator": float(err),
        "versions": {"numpy": np.__version__, "numba": numba.__version__, "scipy": scipy.__version__,
                     "atomforge": atomforge.__version__},
        "cpu": {"model": platform.processor() or platform.machine(), "n_cores": os.cpu_count(),
                "load_avg_1min": os.getloadavg()[0]},
    }, indent=1))


if __name__ == "__main__":
    main()
