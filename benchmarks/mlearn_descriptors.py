"""Quadratic models on the SO(3) power spectrum and on ACSF for the six mlearn elements, beside SNAP.

Each fit follows ``benchmarks/mlearn_snap.py``'s qSNAP procedure unchanged (squared loss; energy
weight, defect-group energy multiplier and ridge chosen by 3-fold cross-validation on the training
set only; refit on all training frames) with the bispectrum replaced by another descriptor. The
descriptor settings were fixed before any fit, not tuned: the cutoff of each element's published
SNAP (``rcutfac`` of examples/mlearn/<El>-qsnap.yaml) and the descriptors' defaults otherwise
(SO(3): nmax 4, lmax 3, α 2 Å⁻²: 40 features; ACSF: Imbalzano grids of 3 intervals, ζ 1 and 4,
cosine cutoff: 23 features per element channel). Test MAEs are printed in one table beside the
atomforge and published SNAP/qSNAP results of benchmarks/results/mlearn_snap.json, with the
paired-bootstrap 95 % interval of the difference to the published qSNAP.

Usage: ``PYTHONPATH=src python3 benchmarks/mlearn_descriptors.py [El ...] [--descriptors so3 acsf]
[--out benchmarks/results/mlearn_descriptors.json]``; the file is rewritten after every fit (about 5 min per fit on two loaded cores).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import yaml

from atomforge.fileio import write_atomically

HERE = Path(__file__).resolve().parent
ELEMENTS = ["Ni", "Cu", "Li", "Mo", "Si", "Ge"]
#: descriptor name → hyperparameters besides the cutoff (taken from the published SNAP)
DESCRIPTORS = {"so3": {"nmax": 4, "lmax": 3, "alpha": 2.0}, "acsf": {}}
CUTOFF_KEY = {"so3": "rcutfac", "acsf": "rcut"}


def published_cutoff(el: str) -> float:
    """The cutoff (Å) of the published qSNAP of ``el``: rcutfac × (0.5 + 0.5)."""
    cfg = yaml.safe_load((HERE.parent / "examples" / "mlearn" / f"{el}-qsnap.yaml").read_text())
    return float(cfg["descriptor"]["rcutfac"])


def table(fits: list[dict], snap: dict) -> str:
    lines = ["| El | model | E meV/atom | F eV/Å | ΔE vs published qSNAP (95 %) | ΔF (95 %) |", "|---|---|---|---|---|---|"]
    for el in dict.fromkeys(f["element"] for f in fits):
        for kind in ("snap", "qsnap"):
            r = snap.get((el, kind))
            if r is not None:
                a, p = r["test"]["atomforge"], r["test"]["published"]
                lines.append(f"| {el} | {kind} (atomforge / published) | {a['energy_mae_mev_atom']:.3f} / "
                             f"{p['energy_mae_mev_atom']:.3f} | {a['force_mae_ev_a']:.4f} / {p['force_mae_ev_a']:.4f} | | |")
        for f in (f for f in fits if f["element"] == el):
            a, d = f["test"]["atomforge"], f["test_difference"]
            de, df = d["energy_mae_mev_atom"], d["force_mae_ev_a"]
            lines.append(f"| {el} | quadratic {f['descriptor']['name']} ({f['n_features']} features) | "
                         f"{a['energy_mae_mev_atom']:.3f} | {a['force_mae_ev_a']:.4f} | "
                         f"[{de['low']:+.3f}, {de['high']:+.3f}] | [{df['low']:+.4f}, {df['high']:+.4f}] |")
    return "\n".join(lines)


def main() -> None:
    from mlearn_snap import run

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("elements", nargs="*", default=ELEMENTS)
    ap.add_argument("--descriptors", nargs="+", default=list(DESCRIPTORS), choices=list(DESCRIPTORS))
    ap.add_argument("--out", type=Path, help="also write {'fits': [...], 'markdown': ...} to this JSON file")
    args = ap.parse_args()
    snap = {(r["element"], r["kind"]): r
            for r in json.loads((HERE / "results" / "mlearn_snap.json").read_text())["fits"]}
    todo = [(el, name) for el in args.elements for name in args.descriptors]
    fits = []
    for el, name in todo:
        spec = {"name": name, CUTOFF_KEY[name]: published_cutoff(el), **DESCRIPTORS[name]}
        r = run(el, "qsnap", descriptor=spec)
        r["task"] = "mlearn_descriptor_fit"
        fits.append(r)
        print(json.dumps(r), flush=True)
        doc = {"task": "mlearn quadratic models on SO(3) and ACSF vs SNAP/qSNAP", "complete": len(fits) == len(todo),
               "load_average": os.getloadavg(), "fits": fits, "markdown": table(fits, snap)}
        if args.out is not None:  # rewritten after every fit, so an interrupted run keeps what it finished
            text = json.dumps(doc, indent=1) + "\n"
            write_atomically(args.out, lambda f: f.write(text.encode()))
    print(doc["markdown"])


if __name__ == "__main__":
    main()
