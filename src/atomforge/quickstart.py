"""``atomforge quickstart``: the main job on a built-in example.

Builds a Cu data set labelled with ASE's EMT (:mod:`atomforge.examples.cu_emt`), fits a quadratic
SNAP, prints the test errors per group and the lattice constant and bulk modulus next to EMT's,
and writes the potential, its LAMMPS files, the data, a fit report and an energy/force parity plot.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

#: The fit used by the quickstart (the same schema as ``atomforge fit`` YAML files).
QUICKSTART_CONFIG = {
    "data": {"train": [{"path": "cu_emt.xyz"}], "test_fraction": 0.15, "seed": 0},
    "descriptor": {"name": "snap", "twojmax": 6, "rcutfac": 4.5, "rfac0": 0.99363, "rmin0": 0.0},
    "model": {"name": "quadratic"},
    "weights": {"energy": 100.0, "force": 1.0, "stress": 1.0},
    "solver": {"ridge": 1e-8},
    "output": {"potential": "Cu_qsnap.atomforge", "report": "fit_report.json", "lammps": "lammps"},
}


def equation_of_state(calc, a0: float) -> tuple[float, float]:
    """Lattice constant (Å) and bulk modulus (GPa) of fcc Cu with ``calc`` (Birch–Murnaghan fit)."""
    from ase.build import bulk
    from ase.eos import EquationOfState
    from ase.units import GPa

    volumes, energies = [], []
    for s in np.linspace(0.97, 1.03, 9):
        atoms = bulk("Cu", "fcc", a=a0 * s)
        atoms.calc = calc
        volumes.append(atoms.get_volume())
        energies.append(atoms.get_potential_energy())
    v0, _, b = EquationOfState(volumes, energies, eos="birchmurnaghan").fit()
    return float((4 * v0) ** (1 / 3)), float(b / GPa)


def parity_plot(potential, dataset, path: Path) -> None:
    """Energy-per-atom and force-component parity plot of ``potential`` on ``dataset`` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    e_ref, e_fit, f_ref, f_fit = [], [], [], []
    for frame in dataset:
        ev = potential.evaluate(frame.atoms, forces=True, stress=False)
        e_ref.append(frame.energy / frame.n_atoms)
        e_fit.append(ev.energy / frame.n_atoms)
        f_ref.append(frame.forces.ravel())
        f_fit.append(ev.forces.ravel())
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.2))
    for ax, x, y, label in ((axes[0], np.array(e_ref), np.array(e_fit), "energy (eV/atom)"),
                            (axes[1], np.concatenate(f_ref), np.concatenate(f_fit), "force component (eV/Å)")):
        lo, hi = min(x.min(), y.min()), max(x.max(), y.max())
        ax.plot([lo, hi], [lo, hi], color="0.6", lw=1)
        ax.scatter(x, y, s=6, alpha=0.6)
        ax.set_xlabel(f"EMT {label}")
        ax.set_ylabel(f"qSNAP {label}")
    fig.suptitle("atomforge quickstart: Cu qSNAP vs EMT, test set")
    fig.tight_layout()
    from .fileio import write_atomically

    write_atomically(path, lambda f: fig.savefig(f, format="png", dpi=120))
    plt.close(fig)


def run_quickstart(out: Path, *, tiny: bool = False, progress_factory=None) -> dict:
    """Run the quickstart into folder ``out``; returns the summary dict it prints.

    ``tiny=True`` builds a few frames and a linear twojmax-2 fit (for tests only).
    ``progress_factory(description, total)`` shows the fit's progress (see ``atomforge fit``).
    """
    from ase.calculators.emt import EMT

    from .data.io import write_extxyz
    from .examples.cu_emt import build_cu_emt, emt_lattice_constant
    from .fileio import write_atomically
    from .fitting.config import parse_config
    from .fitting.fit import fit_dataset
    from .fitting.metrics import evaluate
    from .lammps.export import export_lammps

    t_start = time.perf_counter()
    out = Path(out)
    raw = json.loads(json.dumps(QUICKSTART_CONFIG))
    if tiny:
        raw["descriptor"]["twojmax"] = 2
        raw["model"]["name"] = "linear"
    config = parse_config(raw, "quickstart")
    print("building the Cu/EMT data set ...", flush=True)
    data = build_cu_emt(n_md=3, size=0.15) if tiny else build_cu_emt()
    out.mkdir(parents=True, exist_ok=True)
    write_extxyz(data, out / "cu_emt.xyz")
    train, test = data.split(config.data.test_fraction, config.data.seed)
    print(f"{len(data)} frames ({data.n_atoms} atoms): {len(train)} train, {len(test)} test; "
          f"fitting a {config.model.name} SNAP (twojmax {config.descriptor.twojmax}) ...", flush=True)
    potential, info = fit_dataset(train, config, out, progress_factory=progress_factory)
    metrics = evaluate(potential, test)
    a_emt = emt_lattice_constant()
    a_ref, b_ref = equation_of_state(EMT(), a_emt)
    a_fit, b_fit = equation_of_state(potential.calculator(), a_emt)
    pot_path = potential.save(out / config.output.potential)
    written = export_lammps(potential, out / config.output.lammps, "Cu_qsnap")
    parity_plot(potential, test, out / "parity.png")
    summary = {"n_frames": len(data), "n_train": len(train), "n_test": len(test), "fit": info,
               "test": metrics, "lattice_constant_a": {"emt": a_ref, "atomforge": a_fit},
               "bulk_modulus_gpa": {"emt": b_ref, "atomforge": b_fit},
               "files": {"potential": str(pot_path), "lammps": str(written["files"][-1]),
                         "parity_plot": str(out / "parity.png"), "data": str(out / "cu_emt.xyz")},
               "t_total_s": time.perf_counter() - t_start}
    write_atomically(out / config.output.report, lambda f: f.write(json.dumps(summary, indent=1).encode()))
    _print_summary(summary, written["pair_lines"])
    return summary


def _print_summary(s: dict, pair_lines: list[str]) -> None:
    from .fitting.metrics import format_metrics_table

    print(format_metrics_table({"test": s["test"]}))
    a, b = s["lattice_constant_a"], s["bulk_modulus_gpa"]
    print(f"lattice constant: {a['atomforge']:.4f} Å (EMT {a['emt']:.4f} Å, "
          f"{100 * (a['atomforge'] / a['emt'] - 1):+.2f} %)")
    print(f"bulk modulus:     {b['atomforge']:.1f} GPa (EMT {b['emt']:.1f} GPa, "
          f"{100 * (b['atomforge'] / b['emt'] - 1):+.1f} %)")
    for key, path in s["files"].items():
        print(f"{key}: {path}")
    print("LAMMPS:\n  " + "\n  ".join(pair_lines))
    print(f"done in {s['t_total_s']:.0f} s")
