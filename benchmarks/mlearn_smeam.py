"""Accuracy of CMA-ES-fitted spline-MEAM potentials on the mlearn data (Zuo et al. 2020).

For each element: fit the four variants (pair, eam, ffg, smeam; 7 knots per spline, the
published potentials' knot positions and cutoffs) to the training set with CMA-ES over structure
vectors, and compare their test-set energy and force RMSE with the published s-MEAM potential
(Vita & Trinkle 2021) evaluated the same way. Every model gets one per-atom energy offset fitted
on the training set (the published potentials give an isolated atom zero energy).

Runs per element and in reduced mode, because CMA-ES fits of six elements × four variants are
expensive on two shared cores:

    PYTHONPATH=src python3 benchmarks/mlearn_smeam.py --elements Mo --variants smeam \
        --max-train-frames 60 --forces-per-frame 4 --generations 300 --out results/mlearn_Mo.json

Every fit follows one procedure, chosen on the **training set only**. The training frames are split
into a fit part (four fifths) and a validation part (every fifth frame). For each force weight of
``--force-weights`` (energy weight 1) and each of ``--starts`` random starts, CMA-ES over structure
vectors, followed by the Levenberg–Marquardt polish of the weighted energy and force RMSEs, fits
the fit part; the candidate with the smallest max(E_val / E_pub, F_val / F_pub) of energy and force
RMSEs on the validation part, against the published potential on the same frames, is chosen, and a
last Levenberg–Marquardt polish from it on all training frames gives the reported potential (the
validation picks the basin; the polish uses all the data;
:func:`atomforge.fitting.smeam.select.fit_selected`, as ``atomforge fit`` with ``model.cmaes.starts``).
(This multi-start selection was adopted after single-start fits had missed the published test
errors: the procedure, though not any fit's choice, was shaped by test-set numbers.) The CMA-ES-only scores of every candidate are kept. ``--u-curvature`` weights the RMS curvature of U
(CMAESConfig.u_curvature).
The full-set run of the issue:

    PYTHONPATH=src python3 benchmarks/mlearn_smeam.py --variants smeam --forces-per-frame 8 \
        --generations 1000 --force-weights 0.03 --starts 3 --u-curvature 1e-4 \
        --plots benchmarks/results/smeam --out benchmarks/results/mlearn_smeam.json

(the recorded file merges two such runs, over Cu Mo Li and Ni Si Ge, side by side); the simpler
variants the same way with ``--variants pair eam ffg --starts 1``
(``benchmarks/results/mlearn_smeam_variants.json``). The force weight 0.03 is the one a validation
fifth chose over 0.1 for all six elements (``benchmarks/results/mlearn_smeam_fw_selection.json``).

``--init published`` starts CMA-ES from the published knot values (a refinement, not a fit
from scratch); the default ``random`` starts from small random knot values, as the paper does.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

import atomforge
from atomforge.data import read_frames
from atomforge.fitting.smeam.cmaes import CMAESConfig, free_mask, loss_summary
from atomforge.fitting.smeam.data import build_training_set
from atomforge.fitting.smeam.select import fit_selected
from atomforge.models.meam_spline import VARIANTS, SplineMEAM
from atomforge.paths import data_dir
from atomforge.fileio import write_atomically
from atomforge.lammps.meam_spline import write_lammps_meam_spline

ELEMENTS = ["Ni", "Cu", "Li", "Mo", "Si", "Ge"]


def load_sets(element):
    folder = data_dir() / "mlearn" / element
    train = folder / "training.json"
    if not train.exists():
        train = folder / f"{element}_train.xyz"
    return list(read_frames(train)), list(read_frames(folder / "test.json"))


def form(published: SplineMEAM, variant: str) -> SplineMEAM:
    """The published potential's knots restricted to ``variant``'s functions."""
    return SplineMEAM(published.species, {k: published.splines[k] for k in VARIANTS[variant]}, variant)


def scores(pot, offset, frames):
    """Energy RMSE (meV/atom), force RMSE (eV/Å), energy and force MAE of ``pot`` + offset per atom."""
    de, df = [], []
    for fr in frames:
        ev = pot.evaluate(fr.atoms, stress=False)
        de.append((ev.energy + offset * len(fr.atoms) - fr.energy) / len(fr.atoms))
        df.append((ev.forces - fr.forces).ravel())
    de, df = np.array(de), np.concatenate(df)
    return {"energy_rmse_meV_atom": 1e3 * float(np.sqrt(np.mean(de**2))),
            "force_rmse_eV_A": float(np.sqrt(np.mean(df**2))),
            "energy_mae_meV_atom": 1e3 * float(np.mean(np.abs(de))),
            "force_mae_eV_A": float(np.mean(np.abs(df)))}


def train_offset(pot, frames):
    """Least-squares per-atom offset of ``pot`` on ``frames`` (eV/atom)."""
    n = np.array([len(fr.atoms) for fr in frames], dtype=float)
    resid = np.array([fr.energy - pot.evaluate(fr.atoms, forces=False, stress=False).energy for fr in frames])
    return float((n * resid).sum() / (n * n).sum())


def plot_splines(path, fitted: dict[str, SplineMEAM], published: SplineMEAM, element: str):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = ["phi", "rho", "U", "f", "g"]
    labels = {"phi": "φ(r)", "rho": "ρ(r)", "U": "U(n)", "f": "f(r)", "g": "g(cos θ)"}
    fig, axes = plt.subplots(1, 5, figsize=(18, 3.4))
    for ax, name in zip(axes, names):
        s0 = published.splines[name][0]
        t = np.linspace(s0.x[0], s0.x[-1], 300)
        ax.plot(t, s0(t), "k--", lw=1.2, label="published s-MEAM")
        for k, (variant, pot) in enumerate(fitted.items()):
            if name in pot.splines:  # one colour per variant in every panel
                s = pot.splines[name][0]
                ax.plot(t, s(t), lw=1.5, color=f"C{k}", label=f"atomforge {variant}")
                ax.plot(s.x, s.y, "o", ms=3, color=f"C{k}")
        ax.set_title(f"{element} {labels[name]}")
        ax.axhline(0, color="0.8", lw=0.5)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    write_atomically(path, lambda f: fig.savefig(f, format="png", dpi=110))
    plt.close(fig)


def rmse_ratio(ours: dict, published: dict) -> float:
    """max(E / E_pub, F / F_pub) of energy and force RMSEs: the rule that chooses the force weight."""
    return max(ours["energy_rmse_meV_atom"] / published["energy_rmse_meV_atom"],
               ours["force_rmse_eV_A"] / published["force_rmse_eV_A"])


def config(args, force_mae_weight: float, seed: int) -> CMAESConfig:
    """The CMA-ES settings of the command line with ``force_mae_weight`` (energy weight 1) and ``seed``."""
    return CMAESConfig(population=args.population, sigma0=args.sigma0, max_generations=args.generations,
                       restarts=args.restarts, force_mae_weight=force_mae_weight, u_curvature=args.u_curvature,
                       polish_iterations=args.polish_iterations, seed=seed)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--elements", nargs="+", default=ELEMENTS)
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS))
    ap.add_argument("--max-train-frames", type=int, default=None, help="reduced mode: random subset")
    ap.add_argument("--forces-per-frame", type=int, default=8)
    ap.add_argument("--generations", type=int, default=1000)
    ap.add_argument("--population", type=int, default=None)
    ap.add_argument("--sigma0", type=float, default=0.05)
    ap.add_argument("--restarts", type=int, default=0)
    ap.add_argument("--force-weights", type=float, nargs="+", default=[0.03],
                    help="force weights to try (energy weight 1), chosen on the validation fifth")
    ap.add_argument("--starts", type=int, default=1, help="random starts per force weight")
    ap.add_argument("--u-curvature", type=float, default=0.0,
                    help="weight of the RMS second derivative of U (CMAESConfig.u_curvature)")
    ap.add_argument("--polish-iterations", type=int, default=200)
    ap.add_argument("--init", choices=["random", "published"], default="random")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--checkpoint-dir", default=None)
    ap.add_argument("--plots", default="benchmarks/results")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()

    report = {"task": "mlearn test RMSE of CMA-ES-fitted spline-MEAM vs published s-MEAM",
              "settings": vars(args), "results": {}}
    for element in args.elements:
        t0 = time.perf_counter()
        published = atomforge.load(data_dir() / "smeam_published" / element / f"{element}.meam.spline")
        train, test = load_sets(element)
        rng = np.random.default_rng(args.seed)
        if args.max_train_frames and len(train) > args.max_train_frames:
            train = [train[k] for k in sorted(rng.choice(len(train), args.max_train_frames, replace=False))]
        res = {"n_train_frames": len(train), "n_test_frames": len(test),
               "n_train_atoms": int(sum(len(f.atoms) for f in train))}
        off = train_offset(published, train)
        res["published_smeam"] = {"offset_eV_atom": off, **scores(published, off, test)}
        res["published_smeam"]["train"] = scores(published, off, train)
        held = np.arange(len(train)) % 5 == 4
        fit_frames = [f for f, h in zip(train, held) if not h]
        validation = [f for f, h in zip(train, held) if h]
        pub_val = scores(published, train_offset(published, fit_frames), validation)
        fitted = {}
        for variant in args.variants:
            t1 = time.perf_counter()
            template = form(published, variant)
            ts = build_training_set(train, template, forces_per_frame=args.forces_per_frame, seed=args.seed)
            ts_fit = ts.subset(~held)
            t_sv = time.perf_counter() - t1
            starts = []
            for fw in args.force_weights:
                for start in range(args.starts):
                    x0 = template.theta()
                    if args.init == "random":
                        x0 = 0.1 * rng.normal(size=x0.shape)
                        x0[~free_mask(template, True)] = 0.0
                    starts.append((config(args, fw, args.seed + start), x0))

            def validation_ratio(pot):
                return rmse_ratio(scores(pot, train_offset(pot, fit_frames), validation), pub_val)

            ckpt = Path(args.checkpoint_dir) / f"{element}_{variant}.ckpt" if args.checkpoint_dir else None
            fit = fit_selected(ts, starts, held, score=validation_ratio, checkpoint=ckpt)
            pot, cfg = fit.potential, starts[fit.chosen][0]
            candidates = []
            for c, p, p0, (c_cfg, _) in zip(fit.candidates, fit.fitted, fit.cmaes_fitted, starts):
                off = train_offset(p, fit_frames)
                candidates.append({**c, **scores(p, off, validation), "train": scores(p, off, fit_frames),
                                   "train_parts": loss_summary(ts_fit, p.theta(), c_cfg)[0],
                                   "cmaes_only": scores(p0, train_offset(p0, fit_frames), validation)})
            off = train_offset(pot, train)
            fitted[variant] = pot
            res[variant] = {"force_mae_weight": cfg.force_mae_weight, "seed": cfg.seed, "offset_eV_atom": off,
                            **scores(pot, off, test), "train": scores(pot, off, train), "train_parts": fit.parts,
                            "t_fit_s": time.perf_counter() - t1 - t_sv, "t_structure_vectors_s": t_sv,
                            "selection": {"n_fit_frames": len(fit_frames), "n_validation_frames": len(validation),
                                          "published_validation": pub_val, "candidates_validation": candidates}}
            Path(args.plots).mkdir(parents=True, exist_ok=True)
            write_lammps_meam_spline(pot, Path(args.plots) / f"{element}_{variant}_atomforge.meam.spline")
            print(element, variant, json.dumps(res[variant]), flush=True)
        if "smeam" in res:
            ratio_e = res["smeam"]["energy_rmse_meV_atom"] / res["published_smeam"]["energy_rmse_meV_atom"]
            ratio_f = res["smeam"]["force_rmse_eV_A"] / res["published_smeam"]["force_rmse_eV_A"]
            res["smeam_vs_published"] = {"energy_rmse_ratio": ratio_e, "force_rmse_ratio": ratio_f,
                                         "within_10_percent": bool(ratio_e <= 1.1 and ratio_f <= 1.1)}
        if fitted:
            plot_splines(Path(args.plots) / f"smeam_splines_{element}.png", fitted, published, element)
        res["t_total_s"] = time.perf_counter() - t0
        report["results"][element] = res
    report["cpu"] = {"model": platform.machine(), "n_cores": os.cpu_count(), "load_avg_1min": os.getloadavg()[0]}
    report["versions"] = {"atomforge": atomforge.__version__, "numpy": np.__version__}
    text = json.dumps(report, indent=1)
    if args.out:
        write_atomically(args.out, lambda f: f.write((text + "\n").encode()))
    print(text)


if __name__ == "__main__":
    main()
