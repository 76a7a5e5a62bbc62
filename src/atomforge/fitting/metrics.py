"""Errors of a potential on a data set (energy per atom, force and stress components), and paired comparison
of two potentials on the same frames."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..units import EV_A3_TO_GPA

#: Keys of a metrics dict (also per group under ``"groups"``).
METRIC_KEYS = ("energy_mae_mev_atom", "energy_rmse_mev_atom", "force_mae_ev_a", "force_rmse_ev_a",
               "stress_mae_gpa", "stress_rmse_gpa", "n_frames", "n_atoms")


def _summary(errors: list["FrameErrors"]) -> dict:
    """The :data:`METRIC_KEYS` of a list of frame errors."""
    def mae(x):
        return float(np.mean(np.abs(x))) if len(x) else None

    def rmse(x):
        return float(np.sqrt(np.mean(np.square(x)))) if len(x) else None

    e = np.array([x.energy for x in errors if x.energy is not None]) * 1000.0
    f = np.concatenate([x.forces for x in errors if x.forces is not None] or [np.zeros(0)])
    s = np.concatenate([x.stress for x in errors if x.stress is not None] or [np.zeros(0)]) * EV_A3_TO_GPA
    return {"energy_mae_mev_atom": mae(e), "energy_rmse_mev_atom": rmse(e),
            "force_mae_ev_a": mae(f), "force_rmse_ev_a": rmse(f),
            "stress_mae_gpa": mae(s), "stress_rmse_gpa": rmse(s),
            "n_frames": len(errors), "n_atoms": int(sum(x.n_atoms for x in errors))}


@dataclass
class FrameErrors:
    """Errors of a potential on one frame (labels it lacks give ``None``).

    Attributes
    ----------
    group : str
    n_atoms : int
    energy : float or None
        (predicted − reference) energy per atom, eV/atom.
    forces : ndarray (3 n_atoms,) or None
        Force component errors, eV/Å.
    stress : ndarray (6,) or None
        Voigt stress errors, eV/Å³.
    """

    group: str
    n_atoms: int
    energy: float | None
    forces: np.ndarray | None
    stress: np.ndarray | None


def frame_errors(potential, dataset, *, progress=None) -> list[FrameErrors]:
    """Per-frame errors of ``potential`` on ``dataset`` (the quantities :func:`evaluate` averages).

    Stress is compared only for frames with a stress label and a 3-D periodic cell.
    ``progress`` (callable(int), optional) is called with 1 after each frame.
    """
    out = []
    for frame in dataset:
        want_f = frame.forces is not None
        want_s = frame.stress is not None and bool(frame.atoms.pbc.all())
        ev = potential.evaluate(frame.atoms, forces=want_f, stress=want_s)
        out.append(FrameErrors(
            frame.group, frame.n_atoms,
            (ev.energy - frame.energy) / frame.n_atoms if frame.energy is not None else None,
            (ev.forces - frame.forces).ravel() if want_f else None,
            np.asarray(ev.stress - frame.stress) if want_s else None))
        if progress is not None:
            progress(1)
    return out


def summarize(errors: list[FrameErrors]) -> dict:
    """Overall and per-group metrics (keys of :data:`METRIC_KEYS` and ``"groups"``) of frame errors."""
    groups: dict[str, list[FrameErrors]] = {}
    for e in errors:
        groups.setdefault(e.group, []).append(e)
    out = _summary(errors)
    out["groups"] = {g: _summary(errs) for g, errs in groups.items()}
    return out


def evaluate(potential, dataset, *, progress=None) -> dict:
    """Errors of ``potential`` on ``dataset``, overall and per group.

    Energy errors are per atom (meV/atom), force errors per Cartesian component (eV/Å), stress
    errors per Voigt component (GPa); a kind of label missing from every frame gives ``None``.

    Parameters
    ----------
    potential : Potential
    dataset : iterable of Frame
    progress : callable(int), optional
        Called with 1 after each frame.

    Returns
    -------
    dict with the keys of :data:`METRIC_KEYS` and ``"groups"`` (the same keys per group).
    """
    return summarize(frame_errors(potential, dataset, progress=progress))


def _resampled_ratios(numerator: np.ndarray, terms: np.ndarray, n_resamples: int, seed: int) -> np.ndarray:
    """Σ numerator / Σ terms over frames drawn with replacement, shape (n_resamples,); the same
    draws for the same seed and number of frames."""
    n = len(numerator)
    chunk = max(1, 2_000_000 // max(n, 1))  # resamples drawn at a time: ~16 MB of indices
    rng = np.random.default_rng(seed)
    boot = np.empty(n_resamples)
    for start in range(0, n_resamples, chunk):
        draws = rng.integers(0, n, size=(min(chunk, n_resamples - start), n))
        boot[start:start + len(draws)] = numerator[draws].sum(axis=1) / terms[draws].sum(axis=1)
    return boot


def bootstrap_mae(errors: list[FrameErrors], *, n_resamples: int = 10000, level: float = 0.95,
                  seed: int = 0) -> dict:
    """Confidence intervals of one potential's energy (meV/atom) and force (eV/Å) MAEs, by
    resampling frames as :func:`paired_bootstrap` does (for a reference known only as a number).

    Returns ``{key: {"mae", "low", "high"}}`` for ``energy_mae_mev_atom`` and ``force_mae_ev_a``
    where every frame has that label.
    """
    q = [(1 - level) / 2, (1 + level) / 2]
    out = {}
    for key, scale, get in (("energy_mae_mev_atom", 1000.0, lambda e: e.energy),
                            ("force_mae_ev_a", 1.0, lambda e: e.forces)):
        if any(get(e) is None for e in errors):
            continue
        terms = np.array([np.size(get(e)) for e in errors], dtype=float)
        total = np.array([np.abs(get(e)).sum() for e in errors]) * scale
        low, high = np.quantile(_resampled_ratios(total, terms, n_resamples, seed), q)
        out[key] = {"mae": float(total.sum() / terms.sum()), "low": float(low), "high": float(high)}
    return out


def paired_bootstrap(a: list[FrameErrors], b: list[FrameErrors], *, n_resamples: int = 10000,
                     level: float = 0.95, seed: int = 0) -> dict:
    """Confidence intervals of MAE(a) − MAE(b) over the same frames, by resampling frames.

    Frames are drawn with replacement (the same draw for both), so the intervals account for
    the finite test set and for the pairing of the two potentials' errors on each frame.

    Parameters
    ----------
    a, b : list of FrameErrors
        Errors of two potentials on the same frames, in the same order.

    Returns
    -------
    dict with ``energy_mae_mev_atom`` and ``force_mae_ev_a``, each
    ``{"difference": MAE(a) − MAE(b), "low": ..., "high": ..., "not_worse": ...}`` (the central
    ``level`` interval, and the fraction of resamples in which MAE(a) ≤ MAE(b)), ``n_resamples``,
    ``level``, and, where both are compared, ``both_not_worse``: the fraction of resamples in which
    a is no worse in energy and in force MAE at once (the draws are the same for both).
    """
    if len(a) != len(b) or any(x.n_atoms != y.n_atoms for x, y in zip(a, b)):
        raise ValueError("paired_bootstrap needs the errors of both potentials on the same frames")
    out = {"n_resamples": n_resamples, "level": level}
    q = [(1 - level) / 2, (1 + level) / 2]
    not_worse = []
    for key, scale, get in (("energy_mae_mev_atom", 1000.0, lambda e: e.energy),
                            ("force_mae_ev_a", 1.0, lambda e: e.forces)):
        if any(get(e) is None for e in a + b):
            continue
        # Per frame: Σ|error| difference and number of terms, so a resample's difference is Σ diff / Σ terms.
        terms = np.array([np.size(get(e)) for e in a], dtype=float)
        diff = np.array([np.abs(get(x)).sum() - np.abs(get(y)).sum() for x, y in zip(a, b)]) * scale
        boot = _resampled_ratios(diff, terms, n_resamples, seed)
        low, high = np.quantile(boot, q)
        not_worse.append(boot <= 0)
        out[key] = {"difference": float(diff.sum() / terms.sum()), "low": float(low), "high": float(high),
                    "not_worse": float(np.mean(not_worse[-1]))}
    if len(not_worse) == 2:
        out["both_not_worse"] = float(np.mean(not_worse[0] & not_worse[1]))
    return out


def format_metrics_table(report: dict) -> str:
    """Train/test errors as a small text table (overall and per group)."""
    lines = [f"{'set':<6} {'group':<18} {'frames':>6} {'E MAE':>10} {'E RMSE':>10} {'F MAE':>8} "
             f"{'F RMSE':>8} {'S MAE':>8}", f"{'':<6} {'':<18} {'':>6} {'meV/atom':>10} {'meV/atom':>10} "
             f"{'eV/Å':>8} {'eV/Å':>8} {'GPa':>8}"]

    def fmt(v, spec):
        return format(v, spec) if v is not None else "-".rjust(int(spec.split(".")[0]))

    for name in ("train", "test"):
        if name not in report:
            continue
        m = report[name]
        for group, row in [("all", m), *sorted(m["groups"].items())]:
            lines.append(f"{name:<6} {group:<18} {row['n_frames']:>6} {fmt(row['energy_mae_mev_atom'], '10.3f')} "
                         f"{fmt(row['energy_rmse_mev_atom'], '10.3f')} {fmt(row['force_mae_ev_a'], '8.4f')} "
                         f"{fmt(row['force_rmse_ev_a'], '8.4f')} {fmt(row['stress_mae_gpa'], '8.3f')}")
    return "\n".join(lines)
