"""Sparse GPR on the bispectrum for the six mlearn elements: test MAEs, training time, uncertainty.

For each element this script
1. reads ``examples/mlearn/<El>-snap.yaml`` for the data and the published linear-SNAP bispectrum
   settings, and replaces the model by ``MODEL`` (a sparse GP, squared-exponential kernel; settings
   fixed before any fit was run, the same for every element);
2. fits it with ``atomforge.fitting.fit_dataset`` (hyperparameters by the marginal likelihood of the
   training data; no test data involved) and times the whole fit;
3. evaluates on the test set: energy and force MAEs, and per structure the Spearman rank correlation
   between the predicted uncertainty and the mean absolute force error of the structure. The
   uncertainty is the mean of the per-atom posterior standard deviations of the local energies
   (``energies_std``); the structure's ``energy_std`` per atom is reported too;
4. puts the errors next to atomforge's SNAP/qSNAP (``benchmarks/results/mlearn_snap.json``) and the
   paper's GAP/MTP test MAEs (``/work/shared/data/README.md``).

Writes ``benchmarks/results/mlearn_gpr.json`` after each element (atomically) and prints one JSON
object per element. Usage: ``PYTHONPATH=src python3 benchmarks/mlearn_gpr.py [El ...] [--out FILE]
[--n-sparse N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
from scipy import stats

import atomforge
from atomforge.fileio import write_atomically
from atomforge.fitting import fit_dataset
from atomforge.fitting.config import load_config, parse_config
from atomforge.fitting.fit import read_sources
from atomforge.fitting.metrics import frame_errors, summarize

ROOT = Path(__file__).resolve().parents[1]
ELEMENTS = ["Ni", "Cu", "Li", "Mo", "Si", "Ge"]
MODEL = {"name": "gpr", "kernel": "se", "n_sparse": 1000, "selection": "cur", "opt_iter": 60,
         "noise_energy": 0.002, "noise_force": 0.05}
#: Candidate marginal-likelihood data, chosen per element on a validation split of the training set:
#: forces of many frames with a few inducing points, or of a few frames with the model's own inducing points.
CANDIDATES = {"opt-30x200": {"opt_frames": 30, "opt_sparse": 200},
              "opt-10x1000": {"opt_frames": 10, "opt_sparse": 1000}}
VALIDATION_FRACTION = 0.2
#: Paper test MAEs (energy meV/atom, force eV/Å): GAP, MTP (Zuo et al. 2020, via /work/shared/data/README.md).
PAPER = {"Ni": ((0.42, 0.02), (0.48, 0.01)), "Cu": ((0.46, 0.01), (0.41, 0.01)), "Li": ((0.49, 0.01), (0.49, 0.01)),
         "Mo": ((2.24, 0.09), (2.83, 0.09)), "Si": ((2.91, 0.07), (2.21, 0.06)), "Ge": ((2.06, 0.05), (1.79, 0.05))}
KEYS = ("energy_mae_mev_atom", "force_mae_ev_a")


def snap_results() -> dict:
    """atomforge's SNAP and qSNAP test MAEs by (element, kind), from ``mlearn_snap.json``."""
    path = ROOT / "benchmarks" / "results" / "mlearn_snap.json"
    if not path.exists():
        return {}
    return {(r["element"], r["kind"]): {k: r["test"]["atomforge"][k] for k in KEYS}
            for r in json.loads(path.read_text())["fits"]}


def gpr_config(el: str, model: dict):
    """The fit configuration of ``examples/mlearn/<El>-snap.yaml`` with ``model`` instead of SNAP."""
    cfg, base = load_config(ROOT / "examples" / "mlearn" / f"{el}-snap.yaml")
    raw = cfg.model_dump(mode="json", exclude={"solver", "model"})
    raw.update(model=model, weights={"energy": 1.0, "force": 1.0, "stress": 0.0})
    return parse_config(raw, f"{el}-gpr"), base


def choose(el: str, model: dict, train) -> tuple[str, dict]:
    """The candidate of :data:`CANDIDATES` with the lowest max(E/E_best, F/F_best) of its validation
    MAEs (E_best, F_best: the lowest over the candidates), fitted on the rest of the training set."""
    fit_part, validation = train.split(VALIDATION_FRACTION, seed=0)
    scores = {}
    for name, extra in CANDIDATES.items():
        cfg, base = gpr_config(el, {**model, **extra})
        t0 = time.perf_counter()
        potential, _ = fit_dataset(fit_part, cfg, base)
        scores[name] = {**{k: summarize(frame_errors(potential, validation))[k] for k in KEYS},
                        "t_fit_s": time.perf_counter() - t0}
    best = {k: min(v[k] for v in scores.values()) for k in KEYS}
    chosen = min(scores, key=lambda c: max(scores[c][k] / best[k] for k in KEYS))
    return chosen, {"n_fit_frames": len(fit_part), "n_validation_frames": len(validation), "scores": scores}


def run(el: str, model: dict, snap: dict) -> dict:
    cfg, base = gpr_config(el, model)
    train, test = read_sources(cfg.data.train, base), read_sources(cfg.data.test, base)
    t0 = time.perf_counter()
    chosen, validation = choose(el, model, train)
    t_choose = time.perf_counter() - t0
    model = {**model, **CANDIDATES[chosen]}
    cfg, base = gpr_config(el, model)
    t0 = time.perf_counter()
    potential, info = fit_dataset(train, cfg, base)
    t_fit = time.perf_counter() - t0
    errors = frame_errors(potential, test)
    summary = summarize(errors)
    std_atoms, std_energy, force_err, energy_err = [], [], [], []
    for frame, err in zip(test, errors):
        u = potential.uncertainty(frame.atoms)
        std_atoms.append(float(np.mean(u["energies_std"])))
        std_energy.append(u["energy_std"] / frame.n_atoms)
        force_err.append(float(np.mean(np.abs(err.forces))))
        energy_err.append(abs(err.energy))
    rho = stats.spearmanr(std_atoms, force_err)
    return {"task": "mlearn_gpr", "element": el, "n_train_frames": len(train), "n_train_atoms": train.n_atoms,
            "n_test_frames": len(test), "descriptor": cfg.descriptor.model_dump(mode="json"), "model": model,
            "chosen": chosen, "validation": validation, "t_choose_s": t_choose,
            "t_fit_s": t_fit, "fit": info,
            "test": {k: summary[k] for k in KEYS},
            "test_groups": {g: {k: v[k] for k in KEYS + ("n_frames",)} for g, v in summary["groups"].items()},
            "uncertainty": {
                "spearman_mean_atom_std_vs_force_mae": float(rho.statistic), "p_value": float(rho.pvalue),
                "spearman_energy_std_vs_force_mae": float(stats.spearmanr(std_energy, force_err).statistic),
                "spearman_mean_atom_std_vs_energy_error": float(stats.spearmanr(std_atoms, energy_err).statistic)},
            "compare_test": {"snap": snap.get((el, "snap")), "qsnap": snap.get((el, "qsnap")),
                             "paper_gap": dict(zip(KEYS, PAPER[el][0])), "paper_mtp": dict(zip(KEYS, PAPER[el][1]))}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("elements", nargs="*", default=ELEMENTS)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "mlearn_gpr.json")
    ap.add_argument("--n-sparse", type=int, default=MODEL["n_sparse"])
    args = ap.parse_args()
    model = {**MODEL, "n_sparse": args.n_sparse}
    snap = snap_results()
    results = []
    meta = {"versions": {"atomforge": atomforge.__version__, "numpy": np.__version__,
                         "python": platform.python_version()},
            "cpu": f"{platform.processor() or platform.machine()} x{os.cpu_count()}",
            "threads": os.environ.get("OMP_NUM_THREADS"), "load_average": os.getloadavg()}
    for el in args.elements:
        r = run(el, model, snap)
        results.append(r)
        print(json.dumps(r), flush=True)
        text = json.dumps({"fits": results, **meta}, indent=1) + "\n"
        write_atomically(args.out, lambda f: f.write(text.encode()))


if __name__ == "__main__":
    main()
