"""Time per L-BFGS epoch of a 30-30 tanh network on mlearn Si, atomforge next to pyxtal_ff 0.2.3.

Both train the same architecture (one 30-30 tanh network, linear output) on the same SO(3) power
spectrum (nmax 4, lmax 3, α 2.0, r_c 4.9 Å: pyxtal_ff's SO3 is atomforge's ``so3`` times Z²) of the
same 214 training structures, with energies and forces in the loss, full-batch L-BFGS with a
strong-Wolfe line search, one thread each (``OMP_NUM_THREADS=1``), in the same run, alternating for
``--rounds`` rounds (the fastest round of each is reported: the machine is shared and its load changes). An epoch is one
L-BFGS iteration in both (pyxtal_ff runs full-batch L-BFGS as one optimiser step of
``max_iter = epochs`` iterations). Descriptor computation is timed separately and not included.

pyxtal_ff runs in its own virtual environment (it pins phonopy 2.3.2 and scipy < 1.17)::

    python3 -m venv --system-site-packages /tmp/pxff
    /tmp/pxff/bin/pip install pyxtal_ff==0.2.3 "scipy<1.17" pymatgen   # torch 2.13.0 from the system

Usage: ``OMP_NUM_THREADS=1 PYTHONPATH=src python3 benchmarks/nn_training_speed.py --pyxtal-python
/tmp/pxff/bin/python [--epochs 20] [--rounds 3] [--pyxtal-workdir DIR] [--out benchmarks/results/nn_training_speed.json]``. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import tempfile
import time
from pathlib import Path

import torch

from atomforge.data.io import read_frames
from atomforge.fileio import write_atomically
from atomforge.paths import data_dir

ROOT = Path(__file__).resolve().parents[1]
SO3 = {"nmax": 4, "lmax": 3, "alpha": 2.0, "rcut": 4.9}
FORCE_WEIGHT = 0.03  # pyxtal_ff's force_coefficient (its default)

PYXTAL_DRIVER = """
import sys, time
from pyxtal_ff import PyXtal_FF
train, epochs, nmax, lmax, alpha, rcut, fc = sys.argv[1], int(sys.argv[2]), *map(float, sys.argv[3:8])
desc = {'type': 'SO3', 'Rc': rcut, 'parameters': {'nmax': int(nmax), 'lmax': int(lmax), 'alpha': alpha}, 'ncpu': 1}
model = {'system': ['Si'], 'hiddenlayers': [30, 30], 'activation': ['Tanh', 'Tanh', 'Linear'], 'epoch': epochs,
         'force_coefficient': fc, 'random_seed': 0, 'optimizer': {'method': 'lbfgs'}, 'path': 'out/'}
ff = PyXtal_FF(descriptors=desc, model=model, logo=False)
ff.run(mode='train', TrainData=train)
"""


def run_pyxtal_ff(python: str, train: Path, epochs: int, workdir: Path | None = None) -> dict:
    """pyxtal_ff's training time, iterations and loss evaluations, from its own log.

    In ``workdir`` (kept), pyxtal_ff reuses the descriptor database of an earlier run."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(workdir) if workdir is not None else Path(tmp)
        (folder / "out").mkdir(parents=True, exist_ok=True)
        (folder / "drive.py").write_text(PYXTAL_DRIVER)
        t0 = time.perf_counter()
        proc = subprocess.run([python, "drive.py", str(train), str(epochs), *map(str, SO3.values()), str(FORCE_WEIGHT)],
                              cwd=folder, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
        wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"pyxtal_ff failed:\n{proc.stderr[-3000:]}")
    log = proc.stdout
    training = log.split("=== Training ===")[1].split("The training time")[0]
    t_train = float(re.search(r"The training time: ([0-9.]+) s", log).group(1))
    iterations = len(re.findall(r"^Iteration\s+\d+", training, re.M))
    evaluations = len(re.findall(r"^\s+Loss:", training, re.M))
    return {"t_train_s": t_train, "iterations": iterations, "loss_evaluations": evaluations,
            "t_per_epoch_s": t_train / max(1, iterations), "t_per_evaluation_s": t_train / max(1, evaluations),
            "wall_incl_descriptors_s": wall}


def run_atomforge(train: Path, epochs: int) -> dict:
    """atomforge's training time per L-BFGS epoch and per loss evaluation (closure), same settings."""
    from atomforge.data import Dataset
    from atomforge.fitting import fit_dataset
    from atomforge.fitting.config import parse_config

    frames = read_frames(train)
    raw = {"species": ["Si"], "data": {"train": [{"path": str(train)}]},
           "descriptor": {"name": "so3", "nmax": SO3["nmax"], "lmax": SO3["lmax"], "alpha": SO3["alpha"],
                          "rcutfac": SO3["rcut"]},
           "model": {"name": "nn", "hidden_layers": [30, 30], "activation": "tanh"},
           # pyxtal_ff: ½ mean (ΔE/n)² + ½ fc Σ ΔF² / n_atoms = ½ [mean (ΔE/n)² + 3 fc mean ΔF_component²]
           "weights": {"energy": 1.0, "force": (3 * FORCE_WEIGHT) ** 0.5},
           "training": {"optimizer": "lbfgs", "epochs": epochs, "validation_fraction": 0.0, "regularization": 0.0,
                        "checkpoint": None}}
    evaluations = 0
    from atomforge.fitting.neural import loss as loss_module

    original = loss_module.loss_terms

    def counted(*args, **kwargs):
        nonlocal evaluations
        evaluations += 1
        return original(*args, **kwargs)

    loss_module.loss_terms = counted
    try:  # the trainer imports loss_terms when it trains: it gets the counting one
        _, info = fit_dataset(Dataset(frames, "Si"), parse_config(raw, "nn_training_speed"))
    finally:
        loss_module.loss_terms = original
    return {"t_descriptors_s": info["t_descriptors_s"], "t_train_s": info["t_train_s"], "iterations": info["epochs"][0],
            "loss_evaluations": evaluations, "t_per_epoch_s": info["t_train_s"] / info["epochs"][0],
            "t_per_evaluation_s": info["t_train_s"] / max(1, evaluations), "n_atoms": frames.n_atoms,
            "n_frames": len(frames)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pyxtal-python", default=os.environ.get("PYXTAL_FF_PYTHON"),
                        help="python of a venv with pyxtal_ff 0.2.3 (see the module docstring)")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--pyxtal-workdir", type=Path, default=None,
                        help="Folder for pyxtal_ff's files, kept so that a rerun reuses its descriptors")
    parser.add_argument("--rounds", type=int, default=3, help="Alternating rounds; the fastest of each is kept.")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)
    train = data_dir() / "mlearn" / "Si" / "training.json"
    rounds = []
    for _ in range(args.rounds):  # alternate, so that both see the same (shared, changing) load
        rounds.append({"atomforge": run_atomforge(train, args.epochs), "load_average": os.getloadavg()})
        if args.pyxtal_python:
            rounds[-1]["pyxtal_ff"] = run_pyxtal_ff(args.pyxtal_python, train, args.epochs, args.pyxtal_workdir)
    ours = min((r["atomforge"] for r in rounds), key=lambda r: r["t_per_epoch_s"])
    ref = min((r["pyxtal_ff"] for r in rounds), key=lambda r: r["t_per_epoch_s"]) if args.pyxtal_python else None
    result = {"task": "nn_lbfgs_epoch", "system": "mlearn Si training set, SO(3) nmax 4 lmax 3, 30-30 tanh",
              "n_atoms": ours["n_atoms"], "reference": "pyxtal_ff 0.2.3" if ref else None,
              "t_reference_s": ref["t_per_epoch_s"] if ref else None, "t_atomforge_s": ours["t_per_epoch_s"],
              "ratio": ref["t_per_epoch_s"] / ours["t_per_epoch_s"] if ref else None,
              "ratio_per_evaluation": ref["t_per_evaluation_s"] / ours["t_per_evaluation_s"] if ref else None,
              "best_of": args.rounds, "rounds": rounds,
              "versions": {"torch": torch.__version__, "python": platform.python_version()},
              "cpu": platform.processor() or platform.machine(), "threads": 1,
              "load_average": os.getloadavg()}
    text = json.dumps(result, indent=1)
    print(text)
    if args.out:
        write_atomically(args.out, lambda f: f.write(text.encode()))


if __name__ == "__main__":
    main()
