"""Several starts of a spline-MEAM fit, the best chosen on held-out frames, then polished on all frames.

CMA-ES from different starting points or seeds ends in different basins, and the training loss does
not tell which of them generalises. :func:`fit_selected` fits each start (CMA-ES, then the
Levenberg–Marquardt polish) to the frames not held out, scores each on the held-out frames, and
refines the best by one more polish on all frames: the held-out frames pick the basin, the polish
uses all the data.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ...models.meam_spline import SplineMEAM
from .cmaes import CMAESConfig, fit_cmaes, free_mask, loss_summary, polish_lm
from .data import SMEAMTrainingSet


@dataclass
class SelectedFit:
    """Outcome of :func:`fit_selected`.

    Attributes
    ----------
    potential : SplineMEAM
        The chosen start after the polish on all frames.
    reference_energies : ndarray, shape (n_species,)
        Per-element reference energies (eV) fitted alongside, on all frames.
    loss : float
        Its loss on all frames; ``parts`` the loss parts (:func:`~atomforge.fitting.smeam.cmaes.loss_parts`).
    parts : dict
    chosen : int
        Index of the chosen start.
    candidates : list of dict
        Per start: ``seed``, ``force_mae_weight``, ``score`` (held-out), ``train_loss`` (fit frames,
        after its polish), ``cmaes_loss`` (before it), ``generations``, ``evaluations``, ``seconds``.
    fitted, cmaes_fitted : list of SplineMEAM
        Each start after its polish on the fit frames, and before it.
    """

    potential: SplineMEAM
    reference_energies: np.ndarray
    loss: float
    parts: dict
    chosen: int
    candidates: list
    fitted: list
    cmaes_fitted: list


def held_out_loss(ts: SMEAMTrainingSet, held_out: np.ndarray, cfg: CMAESConfig):
    """The default score of :func:`fit_selected`: the loss of ``cfg`` on the held-out frames."""
    val = ts.subset(held_out)

    def score(potential: SplineMEAM) -> float:
        return loss_summary(val, potential.theta(), cfg)[0]["loss"]

    return score


def start_checkpoint(checkpoint: str | Path, k: int) -> Path:
    """The checkpoint of start ``k`` of :func:`fit_selected`: ``<stem>_start<k><suffix>`` beside ``checkpoint``."""
    path = Path(checkpoint)
    return path.with_name(f"{path.stem}_start{k}{path.suffix}")


def seeded_starts(cfg: CMAESConfig, n: int,
                  x0: np.ndarray | None = None) -> list[tuple[CMAESConfig, np.ndarray | None]]:
    """``n`` starts of :func:`fit_selected` that differ only by the CMA-ES seed (``cfg.seed + k``)."""
    return [(replace(cfg, seed=cfg.seed + k), x0) for k in range(n)]


def fit_selected(ts: SMEAMTrainingSet, starts: list[tuple[CMAESConfig, np.ndarray | None]], held_out: np.ndarray,
                 *, score=None, checkpoint: str | Path | None = None, progress=None) -> SelectedFit:
    """Fit each start to the frames not ``held_out``, keep the best on the held-out ones, polish it on all.

    Parameters
    ----------
    ts : SMEAMTrainingSet
        All frames.
    starts : list of (CMAESConfig, ndarray or None)
        Settings and starting θ (None: the template's knot values) of each start, e.g.
        :func:`seeded_starts`. Each runs CMA-ES, then the polish (``polish_iterations``).
    held_out : ndarray of bool, shape (n_frames,)
    score : callable, optional
        ``score(potential) -> float``, lower is better (default: :func:`held_out_loss` with the
        first start's settings).
    checkpoint : path, optional
        Start k checkpoints to :func:`start_checkpoint` (k) and resumes from it.
    progress : callable, optional
        Passed to :func:`~atomforge.fitting.smeam.cmaes.fit_cmaes` for every start.
    """
    held_out = np.asarray(held_out, dtype=bool)
    if held_out.shape != (len(ts),) or held_out.all() or not held_out.any():
        raise ValueError("held_out must mark some, not all, of the training frames")
    score = score or held_out_loss(ts, held_out, starts[0][0])
    fit_set = ts.subset(~held_out)
    template = ts.layout.template
    fitted, candidates = [], []
    for k, (cfg, x0) in enumerate(starts):
        ck = None if checkpoint is None else start_checkpoint(checkpoint, k)
        cfg = replace(cfg, polish=False)  # polished below, after the CMA-ES-only loss is recorded
        fit = fit_cmaes(fit_set, cfg, x0=x0, checkpoint=ck, progress=progress)
        theta = polish_lm(fit_set, cfg, fit.potential.theta(), free_mask(template, cfg.zero_at_cutoff))
        pot = fit.potential.with_theta(theta)
        fitted.append((pot, cfg, fit.potential))
        candidates.append({"seed": cfg.seed, "force_mae_weight": cfg.force_mae_weight, "score": score(pot),
                           "train_loss": loss_summary(fit_set, theta, cfg)[0]["loss"],
                           "cmaes_loss": fit.loss,
                           "generations": len(fit.history), "evaluations": int(fit.history[-1][1]),
                           "seconds": fit.parts["seconds"]})
    chosen = int(np.argmin([c["score"] for c in candidates]))
    pot, cfg, _ = fitted[chosen]
    theta = polish_lm(ts, cfg, pot.theta(), free_mask(template, cfg.zero_at_cutoff))
    summary, offsets = loss_summary(ts, theta, cfg)
    return SelectedFit(template.with_theta(theta), offsets, summary["loss"], summary, chosen,
                       candidates, [f[0] for f in fitted], [f[2] for f in fitted])
