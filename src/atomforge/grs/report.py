"""The GRS report: ``report.json``, ``report.md`` and two plots (matplotlib, Agg backend).

``pca.png``: the target's atoms (grey) and the set's (colour) on the first two principal axes of
the target's descriptors. ``histograms.png``: the distributions of the first four principal
coordinates, target against set.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..fileio import temporary_path, write_atomically
from .coverage import fit_pca


def _savefig(fig, path: Path) -> None:
    tmp = temporary_path(path)
    try:
        fig.savefig(tmp, dpi=110, format="png")
        tmp.replace(path)
    finally:
        if tmp.exists():
            tmp.unlink()


def plot_pca(path, target_values, set_values, *, labels=("target", "GRS")) -> None:
    """Scatter of target and set on the target's first two principal axes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pca = fit_pca(target_values, variance=1.0, max_dim=2)
    t, s = pca.project(target_values), pca.project(set_values)
    fig, ax = plt.subplots(figsize=(5, 4.5))
    ax.scatter(t[:, 0], t[:, 1 % t.shape[1]], s=4, c="0.7", label=labels[0])
    ax.scatter(s[:, 0], s[:, 1 % s.shape[1]], s=10, c="C3", label=labels[1])
    ax.set_xlabel("PC 1")
    ax.set_ylabel("PC 2")
    ax.legend()
    fig.tight_layout()
    _savefig(fig, Path(path))
    plt.close(fig)


def plot_histograms(path, target_values, set_values) -> None:
    """Histograms of the first four principal coordinates, target and set, as densities."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pca = fit_pca(target_values, variance=1.0, max_dim=4)
    t, s = pca.project(target_values), pca.project(set_values)
    n = t.shape[1]
    fig, axes = plt.subplots(1, n, figsize=(3 * n, 2.8), squeeze=False)
    for k, ax in enumerate(axes[0]):
        lo, hi = min(t[:, k].min(), s[:, k].min()), max(t[:, k].max(), s[:, k].max())
        bins = np.linspace(lo, hi + 1e-12, 30)
        ax.hist(t[:, k], bins=bins, density=True, color="0.6", alpha=0.7, label="target")
        ax.hist(s[:, k], bins=bins, density=True, histtype="step", color="C3", label="GRS")
        ax.set_xlabel(f"PC {k + 1}")
    axes[0, 0].legend()
    fig.tight_layout()
    _savefig(fig, Path(path))
    plt.close(fig)


def write_report(out, report: dict, target, values: np.ndarray, numbers: np.ndarray) -> None:
    """Write ``report.json``, ``report.md``, ``pca.png`` and ``histograms.png`` into ``out``."""
    out = Path(out)
    write_atomically(out / "report.json", lambda f: json.dump(report, f, indent=1), mode="w")
    plot_pca(out / "pca.png", target.values, values)
    plot_histograms(out / "histograms.png", target.values, values)
    lines = ["# GRS report", "",
             f"Target: {report['target']['n_structures']} structure(s), {report['target']['n_atoms']} atoms, "
             f"elements {', '.join(report['target']['elements'])}; descriptor {report['descriptor']['name']} "
             f"({report['descriptor']['n_features']} features).", "",
             f"Set: {report['n_structures']} structure(s) of {report['n_atoms']} atoms; wall time "
             f"{report['wall_s']:.1f} s.", "", "| member | V | Q | Q_intra |", "|---|---|---|---|"]
    lines += [f"| {m['grs_member']} | {m['grs_V']:.6g} | {m['grs_Q']:.6g} | {m['grs_Q_intra']:.6g} |"
              for m in report["members"]]
    lines += ["", "RMS moment differences of the whole set (units of the target spread):", ""]
    for sym, err in report["set_moment_errors"].items():
        lines.append(f"- {sym}: " + ", ".join(f"{k} {v:.4g}" for k, v in err.items()))
    cov = report["coverage"]
    if cov and cov["v_rep"] is not None:
        lines += ["", f"Coverage V_rep = {cov['v_rep']:.4g} in {cov['n_dims']} PCA dimensions"
                  + (f" (99 % variance needs {cov['n_dims_99']}; capped)" if cov["capped"] else "") + "."]
    lines += ["", "![PCA](pca.png)", "", "![histograms](histograms.png)", ""]
    write_atomically(out / "report.md", lambda f: f.write("\n".join(lines)), mode="w")
