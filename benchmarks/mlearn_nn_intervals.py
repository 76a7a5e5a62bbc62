"""How firm the NN-versus-qSNAP verdicts of ``mlearn_nn.py`` are: 95 % bootstrap intervals over test frames.

The mlearn test sets hold 23–31 frames, so a test MAE is uncertain by several per cent. For each element,
the committee saved by ``mlearn_nn.py --save NN_DIR`` (``<El>-nn-snap.atomforge``) and atomforge's qSNAP
saved by ``mlearn_snap.py --kinds qsnap --weights-from benchmarks/results/mlearn_snap.json --save Q_DIR``
(``<El>-qsnap.atomforge``, the fit of the README table) are evaluated on the same test frames, and the
paired bootstrap (:func:`atomforge.fitting.metrics.paired_bootstrap`, 10,000 resamples of frames) gives the
interval of MAE(NN) − MAE(qSNAP). For Si on the SO(3) power spectrum (``Si-nn-so3.atomforge``), whose
reference is a published number (pyxtal_ff's example, no per-frame errors), the interval is that of the
NN's own MAE from the same resampling of frames (:func:`~atomforge.fitting.metrics.bootstrap_mae`).

Usage: ``PYTHONPATH=src python3 benchmarks/mlearn_nn_intervals.py NN_DIR Q_DIR [El ...]
[--out benchmarks/results/mlearn_nn_intervals.json]``
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


import atomforge
from atomforge.fileio import write_atomically
from atomforge.fitting.config import load_config
from atomforge.fitting.fit import read_sources
from atomforge.fitting.metrics import bootstrap_mae, frame_errors, paired_bootstrap, summarize

ROOT = Path(__file__).resolve().parents[1]
ELEMENTS = ["Ni", "Cu", "Li", "Mo", "Si", "Ge"]
KEYS = ("energy_mae_mev_atom", "force_mae_ev_a")
PYXTAL_FF_SI_SO3 = {"energy_mae_mev_atom": 3.95, "force_mae_ev_a": 0.0826}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("nn_dir", type=Path)
    parser.add_argument("qsnap_dir", type=Path)
    parser.add_argument("elements", nargs="*", default=ELEMENTS)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "mlearn_nn_intervals.json")
    args = parser.parse_args()
    rows = []
    for el in args.elements:
        cfg, base = load_config(ROOT / "examples" / "mlearn" / f"{el}-snap.yaml")
        test = read_sources(cfg.data.test, base)
        nn = frame_errors(atomforge.load(args.nn_dir / f"{el}-nn-snap.atomforge"), test)
        q = frame_errors(atomforge.load(args.qsnap_dir / f"{el}-qsnap.atomforge"), test)
        boot = paired_bootstrap(nn, q)
        nn_m, q_m = summarize(nn), summarize(q)
        row = {"element": el, "n_test_frames": len(test),
               "nn": {k: nn_m[k] for k in KEYS}, "qsnap": {k: q_m[k] for k in KEYS},
               "nn_minus_qsnap": {k: boot[k] for k in KEYS}, "both_not_worse": boot["both_not_worse"]}
        so3 = args.nn_dir / f"{el}-nn-so3.atomforge"
        if so3.exists():
            row["nn_so3"] = bootstrap_mae(frame_errors(atomforge.load(so3), test))
            row["nn_so3"]["pyxtal_ff"] = PYXTAL_FF_SI_SO3
        rows.append(row)
        print(json.dumps(row), flush=True)
    doc = {"task": "mlearn NN versus qSNAP: 95 % bootstrap intervals over test frames", "rows": rows}
    write_atomically(args.out, lambda f: f.write(json.dumps(doc, indent=1)), mode="w")


if __name__ == "__main__":
    main()
