"""Fit SNAP and qSNAP for the six mlearn elements and compare with the published Zuo et al. models.

For each element and kind (linear SNAP, quadratic qSNAP) this script
1. reads ``examples/mlearn/<El>-<kind>.yaml`` (published hyperparameters, data from ../shared/data),
2. computes the descriptors of the training set once and factorises (QR) the unweighted rows of
   each block (CV fold, row kind, group class) -- group class "defect" is the Elastic, Vacancy and
   Surface frames, "md" the rest -- so a change of weights only rescales these small triangular
   factors (one small QR per solve, no descriptor or design-matrix work),
3. chooses the weights and the ridge term **on the training set only**, by 3-fold cross-validation
   over frames (frame k in fold k mod 3), with one rule for all elements and kinds ("balanced rule"): over the grid
   energy weight w_E in 13 log-spaced values 30 ... 30000 atom/eV (force weight 1 Å/eV) ×
   multiplier of the defect-group energy rows in {1, 10} × ridge λ (relative to the squared column
   norms; {0, 1e-8, 1e-6} for SNAP, {1e-8, 1e-6, 1e-4} for qSNAP), take the point minimising
   max(E_cv / E_pub, F_cv / F_pub), where E_cv, F_cv are the cross-validated energy (meV/atom) and
   force (eV/Å) MAEs and E_pub, F_pub the published model's MAEs on the same training frames;
   then refits on the whole training set with that point. Linear SNAP is fitted with the absolute
   loss (least absolute deviations by IRLS, ``solver.loss: absolute``: it fits the MAE that is
   compared) over w_E in 9 log-spaced values 100 ... 10000 with λ = 1e-8 and no group multipliers
   (each IRLS fit passes over all rows, so the factor trick does not apply); qSNAP with the squared
   loss over the grid above,
4. evaluates the chosen fit and the published model on the test set (the errors of
   ``atomforge evaluate``) and, because a test set of 23-29 frames leaves the MAEs uncertain, the
   95 % interval of the difference atomforge − published by a paired bootstrap over test frames
   (:func:`atomforge.fitting.metrics.paired_bootstrap`); ``worse_beyond_noise`` says whether an
   interval lies wholly above zero.

Prints one JSON object per line (one per fit) and a final summary object.
Usage: ``PYTHONPATH=src python3 benchmarks/mlearn_snap.py [El ...] [--kinds snap qsnap] [--out FILE]
[--save DIR] [--weights-from EARLIER.json]``; ``--weights-from`` skips the search (about 1.5 h on two
cores) and refits with the weights an earlier run chose.
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
from atomforge.fitting.metrics import frame_errors, paired_bootstrap, summarize
from atomforge.fitting.solvers import solve_least_squares, triangular_factor
from atomforge.fitting.weights import ENERGY, FORCE, FitWeights
from atomforge.models.snap_potential import SNAPPotential
from atomforge.paths import data_dir

ROOT = Path(__file__).resolve().parents[1]
ELEMENTS = ["Ni", "Cu", "Li", "Mo", "Si", "Ge"]
#: Energy weights (atom/eV; force weight 1 Å/eV), log-spaced by a quarter decade.
ENERGY_WEIGHTS = np.geomspace(30.0, 30000.0, 13)
#: Multipliers of the energy rows of the defect groups.
DEFECT_ENERGY = (1.0, 10.0)
DEFECT_GROUPS = ("Elastic", "Vacancy", "Surface")
#: Ridge λ per kind (relative to squared column norms).
RIDGES = {"snap": (0.0, 1e-8, 1e-6), "qsnap": (1e-8, 1e-6, 1e-4)}
N_FOLDS = 3
#: Loss per kind: least absolute deviations (IRLS) for SNAP; squared for qSNAP, where the IRLS
#: passes (one QR of the 82,000 × 497 rows per iteration) would take hours on two cores.
LOSS = {"snap": "absolute", "qsnap": "squared"}
#: Energy weights (atom/eV, force weight 1 Å/eV) searched with the absolute loss, and its ridge λ.
ABSOLUTE_ENERGY_WEIGHTS = np.geomspace(100.0, 10000.0, 9)
ABSOLUTE_RIDGE = 1e-8


def _mae(err, kinds, kind):
    e = err[kinds == kind]
    return float(np.mean(np.abs(e))) * (1000.0 if kind == ENERGY else 1.0)


def run(el: str, kind: str, chosen: dict | None = None, save: Path | None = None) -> dict:
    """One fit: weights chosen by cross-validation (or taken from ``chosen``, the ``weights`` of an
    earlier result), refit on all training frames, test errors next to the published model's."""
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
    d_all = np.concatenate([[r.group in DEFECT_GROUPS] * len(r.y) for r in rows])
    t0 = time.perf_counter()
    factors = {}
    for fold, kd, defect in itertools.product(range(N_FOLDS) if LOSS[kind] == "squared" else (), (ENERGY, FORCE),
                                              (False, True)):
        sel = (k_all == kd) & (f_all == fold) & (d_all == defect)
        if sel.any():
            factors[(fold, kd, defect)] = triangular_factor([(a_all[sel], y_all[sel])], n_cols)[0]
    held_rows = [(f_all == fold) for fold in range(N_FOLDS)]
    held_rows = [(a_all[h], y_all[h], k_all[h]) for h in held_rows]
    t_factor = time.perf_counter() - t0
    published_path = data_dir() / "mlearn" / el / "published_models" / kind / "SNAPotential.snapparam"
    published = atomforge.load(published_path)
    pub_err = a_all @ published.model.coef_.ravel() - y_all
    pub_train = (_mae(pub_err, k_all, ENERGY), _mae(pub_err, k_all, FORCE))
    constants = np.arange(len(species)) * (n_cols // len(species))

    def solve(weights, ridge, folds):
        stacked = []
        for (fold, kd, defect), r in factors.items():
            if fold in folds:
                w = weights.row_weights(np.array([kd]), DEFECT_GROUPS[0] if defect else "")[0]
                stacked.append(w * r)
        stacked = np.vstack(stacked)
        return solve_least_squares([(stacked[:, :-1], stacked[:, -1])], n_columns=n_cols, ridge=ridge,
                                   unregularized=constants)

    t0 = time.perf_counter()
    if chosen is None:
        candidates = []
        if LOSS[kind] == "absolute":
            # Least absolute deviations: IRLS passes over the rows, so the triangular factors above do not apply.
            for we in ABSOLUTE_ENERGY_WEIGHTS:
                weights = FitWeights(float(we), 1.0, 0.0)
                w = np.where(k_all == ENERGY, weights.energy, weights.force)
                err = np.empty_like(y_all)
                for fold in range(N_FOLDS):
                    fit_rows = f_all != fold
                    coef = solve_least_squares([(a_all[fit_rows] * w[fit_rows, None], y_all[fit_rows] * w[fit_rows])],
                                               n_columns=n_cols, ridge=ABSOLUTE_RIDGE, unregularized=constants,
                                               loss="absolute").coef
                    err[~fit_rows] = a_all[~fit_rows] @ coef - y_all[~fit_rows]
                candidates.append((weights, ABSOLUTE_RIDGE, (_mae(err, k_all, ENERGY), _mae(err, k_all, FORCE))))
        else:
            for we, de, ridge in itertools.product(ENERGY_WEIGHTS, DEFECT_ENERGY, RIDGES[kind]):
                weights = FitWeights(float(we), 1.0, 0.0, {g: {"energy": de} for g in DEFECT_GROUPS})
                err, kinds = [], []
                for fold in range(N_FOLDS):
                    res = solve(weights, ridge, set(range(N_FOLDS)) - {fold})
                    a_h, y_h, k_h = held_rows[fold]
                    err.append(a_h @ res.coef - y_h)
                    kinds.append(k_h)
                err, kinds = np.concatenate(err), np.concatenate(kinds)
                candidates.append((weights, ridge, (_mae(err, kinds, ENERGY), _mae(err, kinds, FORCE))))
        weights, ridge, cv_mae = min(candidates, key=lambda c: max(c[2][0] / pub_train[0], c[2][1] / pub_train[1]))
        cv_mae = dict(zip(keys, cv_mae))
    else:  # the weights an earlier run chose
        w = chosen["weights"]
        weights = FitWeights(w["energy"], w["force"], 0.0,
                             {g: {"energy": w["defect_energy_multiplier"]} for g in DEFECT_GROUPS})
        ridge, cv_mae = w["ridge"], chosen["cv_mae"]
    t_select = time.perf_counter() - t0
    del held_rows
    if LOSS[kind] == "absolute":
        w = np.where(k_all == ENERGY, weights.energy, weights.force)
        res = solve_least_squares([(a_all * w[:, None], y_all * w)], n_columns=n_cols, ridge=ridge,
                                  unregularized=constants, loss="absolute")
    else:
        res = solve(weights, ridge, set(range(N_FOLDS)))
    err = a_all @ res.coef - y_all
    train_mae = (_mae(err, k_all, ENERGY), _mae(err, k_all, FORCE))
    model.set_coefficients(res.coef.reshape(len(species), -1))
    potential = SNAPPotential(descriptor, model, None, {"weights": weights.__dict__, "ridge": ridge})
    if save is not None:
        potential.save(save / f"{el}-{kind}.atomforge")
    ours_errors, pub_errors = frame_errors(potential, test), frame_errors(published, test)
    ours_test, pub_test = summarize(ours_errors), summarize(pub_errors)
    boot = paired_bootstrap(ours_errors, pub_errors)
    return {"task": "mlearn_snap_fit", "system": f"{el} {kind}", "element": el, "kind": kind,
            "n_atoms": train.n_atoms, "n_train_frames": len(train), "n_test_frames": len(test),
            "n_columns": n_cols, "n_rows": int(len(y_all)),
            "loss": LOSS[kind],
            "weights": {"energy": weights.energy, "force": weights.force,
                        "defect_energy_multiplier": weights.groups.get(DEFECT_GROUPS[0], {}).get("energy", 1.0),
                        "ridge": ridge},
            "cv_mae": cv_mae, "weights_chosen_by": "cross-validation" if chosen is None else "an earlier run",
            "train_mae": {"atomforge": dict(zip(keys, train_mae)), "published": dict(zip(keys, pub_train))},
            "test": {"atomforge": {k: ours_test[k] for k in keys}, "published": {k: pub_test[k] for k in keys}},
            "test_groups": {g: {"n_frames": ours_test["groups"][g]["n_frames"],
                                "atomforge": {k: ours_test["groups"][g][k] for k in keys},
                                "published": {k: pub_test["groups"][g][k] for k in keys}} for g in ours_test["groups"]},
            "no_worse": all(ours_test[k] <= pub_test[k] for k in keys),
            "test_difference": {k: boot[k] for k in keys},  # atomforge − published, paired bootstrap over frames
            "worse_beyond_noise": any(boot[k]["low"] > 0 for k in keys),
            "t_descriptors_s": t_desc, "t_factor_s": t_factor, "t_weight_selection_s": t_select,
            "reference": "published Zuo et al. 2020 SNAP/qSNAP (same hyperparameters)"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("elements", nargs="*", default=ELEMENTS)
    ap.add_argument("--kinds", nargs="+", default=["snap", "qsnap"])
    ap.add_argument("--out", type=Path, help="also write {'fits': [...], 'summary': {...}} to this JSON file")
    ap.add_argument("--weights-from", type=Path,
                    help="skip the search: refit with the weights an earlier --out file records for each fit")
    ap.add_argument("--save", type=Path, help="write each fitted potential to this folder as <El>-<kind>.atomforge")
    args = ap.parse_args()
    earlier = {}
    if args.weights_from is not None:
        earlier = {(r["element"], r["kind"]): r for r in json.loads(args.weights_from.read_text())["fits"]}
    if args.save is not None:
        args.save.mkdir(parents=True, exist_ok=True)
    results = []
    for kind in args.kinds:
        for el in args.elements:
            if args.weights_from is not None and (el, kind) not in earlier:
                raise SystemExit(f"{args.weights_from} has no {el} {kind} fit")
            r = run(el, kind, earlier.get((el, kind)), args.save)
            results.append(r)
            print(json.dumps(r), flush=True)
    summary = {"task": "mlearn_snap_summary", "n_fits": len(results),
               "n_no_worse": sum(r["no_worse"] for r in results),
               "all_no_worse": all(r["no_worse"] for r in results),
               "n_worse_beyond_noise": sum(r["worse_beyond_noise"] for r in results),
               "markdown": _markdown(results),
               "markdown_groups": _group_markdown(results),
               "versions": {"atomforge": atomforge.__version__, "numpy": np.__version__,
                            "python": platform.python_version()},
               "cpu": f"{platform.processor() or platform.machine()} x{os.cpu_count()}"}
    print(json.dumps(summary))
    if args.out is not None:
        args.out.write_text(json.dumps({"fits": results, "summary": summary}, indent=1) + "\n")


def _markdown(results: list[dict]) -> str:
    """Test-set table: MAEs of atomforge / published, the 95 % interval of their difference, chosen
    weights, and whether both are no worse."""
    lines = ["| El | kind | E meV/atom (af / pub) | ΔE 95 % | F eV/Å (af / pub) | ΔF 95 % | loss | w_E | defect ×| ridge "
             "| ok |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        a, p, w = r["test"]["atomforge"], r["test"]["published"], r["weights"]
        de, df = (r["test_difference"][k] for k in ("energy_mae_mev_atom", "force_mae_ev_a"))
        lines.append(f"| {r['element']} | {r['kind']} | {a['energy_mae_mev_atom']:.3f} / {p['energy_mae_mev_atom']:.3f} "
                     f"| [{de['low']:+.3f}, {de['high']:+.3f}] "
                     f"| {a['force_mae_ev_a']:.4f} / {p['force_mae_ev_a']:.4f} | [{df['low']:+.4f}, {df['high']:+.4f}] | {r.get('loss', 'squared')} | {w['energy']:.0f} "
                     f"| {w['defect_energy_multiplier']:g} | {w['ridge']:g} | {'yes' if r['no_worse'] else 'no'} |")
    return "\n".join(lines)


def _group_markdown(results: list[dict]) -> str:
    """Test energy MAE per group (meV/atom), atomforge / published, with the number of test frames."""
    groups = sorted({g for r in results for g in r["test_groups"]})
    lines = ["| El | kind | " + " | ".join(groups) + " |", "|---|---|" + "---|" * len(groups)]
    for r in results:
        cells = []
        for g in groups:
            t = r["test_groups"].get(g)
            cells.append("" if t is None else f"{t['atomforge']['energy_mae_mev_atom']:.2f} / "
                         f"{t['published']['energy_mae_mev_atom']:.2f} ({t['n_frames']})")
        lines.append(f"| {r['element']} | {r['kind']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
