"""Fit SNAP and qSNAP for the six mlearn elements and compare with the published Zuo et al. models.

For each element and kind (linear SNAP, quadratic qSNAP) this script
1. reads ``examples/mlearn/<El>-<kind>.yaml`` (published hyperparameters, data from ../shared/data),
2. computes the descriptors of the training and test sets once and factorises the unweighted
   rows of each (group, row kind) block by QR (so a change of weights costs only a small QR),
3. chooses the weights and the ridge term from a small grid **on the training set only**, by
   3-fold cross-validation over frames: among the grid points whose cross-validated force MAE
   is no larger than the published model's force MAE on the training frames, the one with the
   lowest cross-validated energy MAE (if there is none, the point whose CV energy and force
   MAEs, divided by the published ones, have the smallest maximum); then refits on the whole
   training set,
4. evaluates the chosen fit and the published model on the test set with
   :func:`atomforge.fitting.metrics.evaluate` (the same code path as ``atomforge evaluate``).

Prints one JSON object per line (one per fit) and a final summary object.
Usage: ``PYTHONPATH=src python3 benchmarks/mlearn_snap.py [El ...] [--kinds snap qsnap]``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

import atomforge
from atomforge.fitting.config import load_config
from atomforge.fitting.design import frame_rows
from atomforge.fitting.fit import build_potential_parts, read_sources
from atomforge.fitting.metrics import evaluate
from atomforge.fitting.solvers import solve_least_squares, triangular_factor
from atomforge.fitting.weights import ENERGY, FORCE, FitWeights
from atomforge.models.snap_potential import SNAPPotential
from atomforge.paths import data_dir

ROOT = Path(__file__).resolve().parents[1]
ELEMENTS = ["Ni", "Cu", "Li", "Mo", "Si", "Ge"]
#: Grid per kind: energy weights (atom/eV; force weight 1 Å/eV) × ridge λ (relative to squared column norms).
GRID = {"snap": ([100.0, 300.0, 1000.0, 3000.0, 10000.0], [0.0, 1e-8, 1e-6]),
        "qsnap": ([1000.0, 3000.0, 10000.0], [1e-8, 1e-6, 1e-4])}
N_FOLDS = 3


def _mae(err, kinds, kind):
    e = err[kinds == kind]
    return float(np.mean(np.abs(e))) * (1000.0 if kind == ENERGY else 1.0)


def run(el: str, kind: str) -> dict:
    keys = ("energy_mae_mev_atom", "force_mae_ev_a")
    cfg, base = load_config(ROOT / "examples" / "mlearn" / f"{el}-{kind}.yaml")
    train = read_sources(cfg.data.train, base)
    test = read_sources(cfg.data.test, base)
    species = train.species
    descriptor, model, _ = build_potential_parts(cfg, species)
    t0 = time.perf_counter()
    rows = [frame_rows(model, f, descriptor.compute(f, gradients=True), None, stress=False) for f in train]
    t_desc = time.perf_counter() - t0
    n_cols = rows[0].a.shape[1]
    a_all = np.vstack([r.a for r in rows])
    y_all = np.concatenate([r.y for r in rows])
    k_all = np.concatenate([r.kinds for r in rows])
    f_all = np.concatenate([[k % N_FOLDS] * len(r.y) for k, r in enumerate(rows)])
    t0 = time.perf_counter()
    factors = {}
    for fold in range(N_FOLDS):
        for kd in (ENERGY, FORCE):
            sel = (k_all == kd) & (f_all == fold)
            if sel.any():
                factors[(fold, kd)] = triangular_factor([(a_all[sel], y_all[sel])], n_cols)[0]
    t_factor = time.perf_counter() - t0
    published_path = data_dir() / "mlearn" / el / "published_models" / kind / "SNAPotential.snapparam"
    published = atomforge.load(published_path)
    pub_err = a_all @ published.model.coef_.ravel() - y_all
    pub_train = (_mae(pub_err, k_all, ENERGY), _mae(pub_err, k_all, FORCE))
    constants = np.arange(len(species)) * (n_cols // len(species))

    def solve(weights, ridge, folds):
        blocks = []
        for (fold, kd), r in factors.items():
            if fold in folds:
                w = weights.row_weights(np.array([kd]), "")[0]
                blocks.append((w * r[:, :-1], w * r[:, -1]))
        return solve_least_squares(blocks, n_columns=n_cols, ridge=ridge, unregularized=constants)

    candidates = []
    t0 = time.perf_counter()
    for we, ridge in itertools.product(*GRID[kind]):
        weights = FitWeights(we, 1.0, 0.0)
        err = np.empty_like(y_all)
        for fold in range(N_FOLDS):
            res = solve(weights, ridge, set(range(N_FOLDS)) - {fold})
            held = f_all == fold
            err[held] = a_all[held] @ res.coef - y_all[held]
        cv = (_mae(err, k_all, ENERGY), _mae(err, k_all, FORCE))
        candidates.append((weights, ridge, cv))
    t_select = time.perf_counter() - t0
    within = [c for c in candidates if c[2][1] <= pub_train[1]]
    if within:
        weights, ridge, cv_mae = min(within, key=lambda c: c[2][0])
    else:
        weights, ridge, cv_mae = min(candidates, key=lambda c: max(c[2][0] / pub_train[0], c[2][1] / pub_train[1]))
    res = solve(weights, ridge, set(range(N_FOLDS)))
    err = a_all @ res.coef - y_all
    train_mae = (_mae(err, k_all, ENERGY), _mae(err, k_all, FORCE))
    model.set_coefficients(res.coef.reshape(len(species), -1))
    potential = SNAPPotential(descriptor, model, None, {"weights": weights.__dict__, "ridge": ridge})
    ours_test = evaluate(potential, test)
    pub_test = evaluate(published, test)
    return {"task": "mlearn_snap_fit", "system": f"{el} {kind}", "element": el, "kind": kind,
            "n_atoms": train.n_atoms, "n_train_frames": len(train), "n_test_frames": len(test),
            "n_columns": n_cols, "n_rows": int(len(y_all)),
            "weights": {"energy": weights.energy, "force": weights.force, "ridge": ridge},
            "cv_mae": dict(zip(keys, cv_mae)),
            "train_mae": {"atomforge": dict(zip(keys, train_mae)), "published": dict(zip(keys, pub_train))},
            "test": {"atomforge": {k: ours_test[k] for k in keys}, "published": {k: pub_test[k] for k in keys}},
            "no_worse": all(ours_test[k] <= pub_test[k] for k in keys),
            "t_descriptors_s": t_desc, "t_factor_s": t_factor, "t_weight_selection_s": t_select,
            "reference": "published Zuo et al. 2020 SNAP/qSNAP (same hyperparameters)"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("elements", nargs="*", default=ELEMENTS)
    ap.add_argument("--kinds", nargs="+", default=["snap", "qsnap"])
    args = ap.parse_args()
    results = []
    for kind in args.kinds:
        for el in args.elements:
            r = run(el, kind)
            results.append(r)
            print(json.dumps(r), flush=True)
    print(json.dumps({"task": "mlearn_snap_summary", "n_fits": len(results),
                      "all_no_worse": all(r["no_worse"] for r in results),
                      "table": [[r["element"], r["kind"], r["test"]["atomforge"]["energy_mae_mev_atom"],
                                 r["test"]["published"]["energy_mae_mev_atom"],
                                 r["test"]["atomforge"]["force_mae_ev_a"], r["test"]["published"]["force_mae_ev_a"]]
                                for r in results],
                      "versions": {"atomforge": atomforge.__version__, "numpy": np.__version__,
                                   "python": platform.python_version()},
                      "cpu": f"{platform.processor() or platform.machine()} x{os.cpu_count()}"}))


if __name__ == "__main__":
    sys.exit(main())
