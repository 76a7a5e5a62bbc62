"""Neural-network potentials on the six mlearn elements: test MAEs next to SNAP/qSNAP, GAP/MTP, and
the Spearman correlation of a committee's uncertainty with the actual force error per structure.

For each element: the bispectrum of the published SNAP hyperparameters (``examples/mlearn/<El>-snap.yaml``)
and, for Si, also the SO(3) power spectrum (nmax 4, lmax 3, α 2, r_c 4.9 Å); a committee of
``--members`` 30-30 tanh networks (different seeds) trained by ``--optimizer`` for ``--epochs`` epochs,
early stopping (``--patience``) on 10 % of the training structures. Energy weight 30 atom/eV; the force
weight is chosen per element on that validation split (``--force-weights``, default 1, 3 and 9 Å/eV: from
3 meV/atom weighing as 0.1 eV/Å to pyxtal_ff's default ratio): one network (seed 0) per weight, trained for at
most ``--selection-epochs``, scores E_val(w)/E_val(w₀) + F_val(w)/F_val(w₀) (validation MAEs, w₀ the first
weight), and the committee is trained with the lowest score. The same rule for every element; the test sets
are used only for the reported MAEs. Reference numbers: atomforge's SNAP/qSNAP test MAEs from
``benchmarks/results/mlearn_snap.json``, the paper's GAP/MTP (Zuo et al. 2020, via the data README), and
pyxtal_ff's own Si SO(3)-NN example (3.95 meV/atom, 82.6 meV/Å, [16, 16], 4,000 epochs).

The uncertainty of a test structure is the mean over its atoms of |σ_F| (the committee's standard
deviation of the force vector); its error the mean absolute force component error.

Usage: ``OMP_NUM_THREADS=1 PYTHONPATH=src python3 benchmarks/mlearn_nn.py [El ...] [--so3-only]
[--epochs 40] [--members 3] [--patience 20] [--force-weights 1 3 9] [--selection-epochs 1000]
[--out benchmarks/results/mlearn_nn.json] [--save DIR]``. Writes the JSON after each fit; the saved
committees can be compared with another potential by ``atomforge evaluate POT TEST --compare OTHER``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch
import yaml
from scipy.stats import spearmanr

from atomforge.fileio import write_atomically
from atomforge.fitting import fit_dataset
from atomforge.fitting.config import parse_config
from atomforge.fitting.fit import read_sources
from atomforge.fitting.metrics import frame_errors, summarize
from atomforge.fitting.neural.trainer import split_structures

ROOT = Path(__file__).resolve().parents[1]
ELEMENTS = ["Si", "Mo", "Li", "Ge", "Ni", "Cu"]
#: Zuo et al. 2020 test MAEs (energy meV/atom, force eV/Å) from ../shared/data/README.md.
PAPER = {"Ni": {"GAP": (0.42, 0.02), "MTP": (0.48, 0.01)}, "Cu": {"GAP": (0.46, 0.01), "MTP": (0.41, 0.01)},
         "Li": {"GAP": (0.49, 0.01), "MTP": (0.49, 0.01)}, "Mo": {"GAP": (2.24, 0.09), "MTP": (2.83, 0.09)},
         "Si": {"GAP": (2.91, 0.07), "MTP": (2.21, 0.06)}, "Ge": {"GAP": (2.06, 0.05), "MTP": (1.79, 0.05)}}
PYXTAL_FF_SI_SO3 = (3.95, 0.0826)
VALIDATION_FRACTION = 0.1
SO3 = {"name": "so3", "nmax": 4, "lmax": 3, "alpha": 2.0, "rcutfac": 4.9}


def snap_results() -> dict:
    """atomforge's SNAP/qSNAP test MAEs by element and kind, from mlearn_snap.json."""
    path = ROOT / "benchmarks" / "results" / "mlearn_snap.json"
    out: dict = {}
    for fit in json.loads(path.read_text())["fits"]:
        out.setdefault(fit["element"], {})[fit["kind"]] = {
            "energy_mae_mev_atom": fit["test"]["atomforge"]["energy_mae_mev_atom"],
            "force_mae_ev_a": fit["test"]["atomforge"]["force_mae_ev_a"]}
    return out


def fit(el: str, descriptor: dict, args, force_weight: float, members: int, epochs: int):
    """Train a committee of ``members`` networks; returns (potential, info, train, test)."""
    example = yaml.safe_load((ROOT / "examples" / "mlearn" / f"{el}-snap.yaml").read_text())
    base = ROOT / "examples" / "mlearn"
    raw = {"species": [el], "data": example["data"], "descriptor": descriptor,
           "model": {"name": "nn", "hidden_layers": [30, 30], "activation": "tanh", "n_models": members},
           "weights": {"energy": 30.0, "force": force_weight, "stress": 0.0},
           "training": {"optimizer": args.optimizer, "epochs": epochs, "validation_fraction": VALIDATION_FRACTION,
                        "patience": args.patience, "regularization": 1e-6, "seed": 0, "checkpoint": None,
                        **({"learning_rate": 5e-3, "lr_decay": 0.97, "batch_size": 8} if args.optimizer == "adam"
                           else {})}}
    config = parse_config(raw, f"mlearn_nn {el}")
    train, test = read_sources(config.data.train, base), read_sources(config.data.test, base)
    potential, info = fit_dataset(train, config)
    return potential, info, train, test


def maes(errors) -> tuple[float, float]:
    """Energy MAE (meV/atom) and force-component MAE (eV/Å) of per-frame ``errors``."""
    m = summarize(errors)
    return m["energy_mae_mev_atom"], m["force_mae_ev_a"]


def select_force_weight(el: str, descriptor: dict, args) -> tuple[float, list]:
    """The force weight of ``args.force_weights`` with the lowest validation score (module docstring)."""
    rows = []
    for w in args.force_weights:
        potential, info, train, _ = fit(el, descriptor, args, w, 1, args.selection_epochs)
        _, val_idx = split_structures(len(train), VALIDATION_FRACTION, 0)
        e, f = maes(frame_errors(potential, [train[int(i)] for i in val_idx]))
        rows.append({"force_weight": w, "validation_energy_mae_mev_atom": e, "validation_force_mae_ev_a": f,
                     "epochs_run": info["epochs"][0]})
    for r in rows:
        r["score"] = (r["validation_energy_mae_mev_atom"] / rows[0]["validation_energy_mae_mev_atom"]
                      + r["validation_force_mae_ev_a"] / rows[0]["validation_force_mae_ev_a"])
    return min(rows, key=lambda r: r["score"])["force_weight"], rows


def run(el: str, descriptor: dict, args) -> dict:
    """Choose the force weight, train the committee, and measure it on the test set."""
    t0 = time.perf_counter()
    selection = []
    force_weight = args.force_weights[0]
    if len(args.force_weights) > 1:
        force_weight, selection = select_force_weight(el, descriptor, args)
    t_select = time.perf_counter() - t0
    t0 = time.perf_counter()
    potential, info, train, test = fit(el, descriptor, args, force_weight, args.members, args.epochs)
    t_fit = time.perf_counter() - t0
    if args.save is not None:
        potential.save(args.save / f"{el}-nn-{descriptor['name']}.atomforge")
    errors = frame_errors(potential, test)
    e_mae, f_mae = maes(errors)
    rho = None
    if args.members > 1:
        unc = [np.linalg.norm(potential.uncertainty(frame.atoms)["forces_std"], axis=1).mean() for frame in test]
        rho = spearmanr(unc, [np.abs(e.forces).mean() for e in errors])
    return {"element": el, "descriptor": descriptor, "n_features": potential.descriptor.n_features,
            "n_train_frames": len(train), "n_test_frames": len(test), "members": args.members,
            "optimizer": args.optimizer, "force_weight": force_weight, "force_weight_selection": selection,
            "t_selection_s": t_select, "epochs_run": info["epochs"], "t_fit_s": t_fit,
            "t_descriptors_s": info["t_descriptors_s"], "t_per_epoch_s": info["t_per_epoch_s"],
            "test": {"energy_mae_mev_atom": e_mae, "force_mae_ev_a": f_mae},
            "uncertainty_spearman_force": ({"rho": float(rho.statistic), "p_value": float(rho.pvalue)}
                                           if rho is not None else None)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("elements", nargs="*", default=ELEMENTS)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--members", type=int, default=3)
    parser.add_argument("--patience", type=int, default=20, help="Early-stopping patience, epochs.")
    parser.add_argument("--force-weights", type=float, nargs="+", default=[1.0, 3.0, 9.0],
                        help="Force weights (Å/eV) to choose from on the validation split; one value: no choice.")
    parser.add_argument("--selection-epochs", type=int, default=1000, help="Epoch limit of the selection fits.")
    parser.add_argument("--optimizer", default="lbfgs", choices=["lbfgs", "adam"])
    parser.add_argument("--so3-only", action="store_true", help="Only the Si SO(3) fit.")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "mlearn_nn.json")
    parser.add_argument("--save", type=Path, help="write each committee to this folder as <El>-nn-<descriptor>.atomforge")
    args = parser.parse_args()
    if args.save is not None:
        args.save.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    snap = snap_results()
    jobs = [("Si", SO3)] if args.so3_only else []
    if not args.so3_only:
        for el in args.elements:
            example = yaml.safe_load((ROOT / "examples" / "mlearn" / f"{el}-snap.yaml").read_text())
            jobs.append((el, example["descriptor"]))
            if el == "Si":
                jobs.append((el, SO3))
    results = []
    for el, descriptor in jobs:
        r = run(el, descriptor, args)
        r["references"] = {"atomforge_" + k: v for k, v in snap.get(el, {}).items()}
        r["references"].update({k: {"energy_mae_mev_atom": e, "force_mae_ev_a": f} for k, (e, f) in PAPER[el].items()})
        if el == "Si" and descriptor["name"] == "so3":
            r["references"]["pyxtal_ff_so3_nn"] = {"energy_mae_mev_atom": PYXTAL_FF_SI_SO3[0],
                                                  "force_mae_ev_a": PYXTAL_FF_SI_SO3[1]}
        results.append(r)
        print(json.dumps(r), flush=True)
        summary = {"task": "mlearn_nn", "settings": vars(args) | {"out": str(args.out), "save": args.save and str(args.save)}, "fits": results,
                   "versions": {"torch": torch.__version__, "python": platform.python_version()},
                   "cpu": platform.processor() or platform.machine(), "load_average": os.getloadavg()}
        write_atomically(args.out, lambda f: f.write(json.dumps(summary, indent=1).encode()))


if __name__ == "__main__":
    main()
