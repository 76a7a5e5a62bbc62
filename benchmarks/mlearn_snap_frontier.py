"""Can any weighting of the training rows beat a published mlearn SNAP/qSNAP model on its test set?

A diagnostic, not a fit procedure: it looks at the **test** set, which ``mlearn_snap.py`` never uses
to choose anything. For one element and kind it fits the same model as ``mlearn_snap.py`` (same
descriptor and columns, squared loss, ridge 1e-8) for every weighting in a family -- energy weight
w_E (13 log-spaced values 30 ... 30000 atom/eV, force weight 1 Å/eV) × an energy multiplier
per training group (AIMD-NVT, Elastic, Surface, Vacancy, ...) in {1/3, 1, 3} -- and evaluates
each fit on the test set. It reports the smallest max(E_test / E_pub, F_test / F_pub) over the
family: above 1, no weighting in the family gives a model no worse than the published one in both
energy and force MAE, whatever rule chooses the weights.

The rows of each (row kind, group) block are factorised once (QR), so one weighting is one small QR.
Prints one JSON object per (element, kind).
Usage: ``PYTHONPATH=src python3 benchmarks/mlearn_snap_frontier.py Mo [Ni ...] [--kinds snap qsnap]``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time

import numpy as np

from atomforge.fitting.config import load_config
from atomforge.fitting.fit import build_potential_parts, read_sources
from atomforge.fitting.linear.solvers import solve_least_squares, triangular_factor
from atomforge.fitting.weights import ENERGY, FORCE
from mlearn_snap import ENERGY_WEIGHTS, GROUP_MULTIPLIERS, ROOT, design_rows, mae, published_model

RIDGE = 1e-8


def _maes(a, y, k, coef):
    err = a @ coef - y
    return mae(err, k, ENERGY), mae(err, k, FORCE)


def run(el: str, kind: str) -> dict:
    t0 = time.perf_counter()
    cfg, base = load_config(ROOT / "examples" / "mlearn" / f"{el}-{kind}.yaml")
    train = read_sources(cfg.data.train, base)
    parts = build_potential_parts(cfg, train.species)
    descriptor, model = parts.descriptor, parts.model
    a, y, k, _, g = design_rows(train, descriptor, model)
    a_test, y_test, k_test, _, _ = design_rows(read_sources(cfg.data.test, base), descriptor, model)
    n_cols = a.shape[1]
    pub = _maes(a_test, y_test, k_test, published_model(el, kind).model.coef_.ravel())
    groups = sorted(set(g))
    energy_factors = {grp: triangular_factor([(a[(k == ENERGY) & (g == grp)], y[(k == ENERGY) & (g == grp)])],
                                             n_cols)[0] for grp in groups}
    force_factor = triangular_factor([(a[k == FORCE], y[k == FORCE])], n_cols)[0]
    best = None
    n_fits = 0
    for we, mult in itertools.product(ENERGY_WEIGHTS, itertools.product(GROUP_MULTIPLIERS, repeat=len(groups))):
        stacked = np.vstack([we * m * energy_factors[grp] for grp, m in zip(groups, mult)] + [force_factor])
        coef = solve_least_squares([(stacked[:, :-1], stacked[:, -1])], n_columns=n_cols, ridge=RIDGE,
                                   unregularized=np.array([0])).coef
        n_fits += 1
        e, f = _maes(a_test, y_test, k_test, coef)
        ratio = max(e / pub[0], f / pub[1])
        if best is None or ratio < best[0]:
            best = (ratio, float(we), dict(zip(groups, mult)), e, f)
    return {"task": "mlearn_snap_frontier", "system": f"{el} {kind}", "element": el, "kind": kind,
            "n_weightings": n_fits, "published_test": {"energy_mae_mev_atom": pub[0], "force_mae_ev_a": pub[1]},
            "best_max_ratio": best[0], "best_energy_weight": best[1], "best_group_energy_multipliers": best[2],
            "best_test": {"energy_mae_mev_atom": best[3], "force_mae_ev_a": best[4]},
            "published_reachable": best[0] <= 1.0, "wall_s": time.perf_counter() - t0,
            "note": "diagnostic on the test set; not a way to choose weights"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("elements", nargs="+")
    ap.add_argument("--kinds", nargs="+", default=["snap"])
    args = ap.parse_args()
    for kind in args.kinds:
        for el in args.elements:
            print(json.dumps(run(el, kind)), flush=True)


if __name__ == "__main__":
    sys.exit(main())
