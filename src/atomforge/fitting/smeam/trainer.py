"""The s-MEAM path of ``atomforge fit``: a spline-MEAM model fitted with CMA-ES.

Builds the starting potential of a :class:`~atomforge.fitting.smeam.config.SMEAMSpec` (from a LAMMPS
``.meam.spline`` file, or zero-valued splines on uniform knots), the structure vectors of the
training frames, and runs :func:`~atomforge.fitting.smeam.cmaes.fit_cmaes` with a checkpoint that lets
an interrupted fit resume. The per-element reference energies fitted alongside the knots go into
the potential, so that it reproduces DFT total energies.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ...errors import ConfigError
from ...models.meam_spline import PER_PAIR, VARIANTS, SplineMEAM, n_pairs_of
from ...models.spline import Spline
from ...units import EV_A3_TO_GPA
from ...lammps.meam_spline import read_lammps_meam_spline
from ..config import FitConfig, resolve_path
from .cmaes import CMAESConfig, fit_cmaes
from .config import SMEAMSpec
from .data import build_training_set
from .select import fit_selected, seeded_starts, start_checkpoint


def smeam_template(spec: SMEAMSpec, species: list[str], base: Path) -> SplineMEAM:
    """The starting potential of ``spec``: ``spec.init``'s knots, or zeros on uniform knots.

    Without ``init``, φ, ρ and f have ``n_knots`` knots on [r_min, cutoff] Å (r_min default
    0.5·cutoff), U on ``u_range`` and g on [−1, 1].
    """
    if spec.init is not None:
        path = resolve_path(spec.init, base)
        full = read_lammps_meam_spline(path)
        if list(full.species) != list(species):
            raise ConfigError(f"model.init {path}: elements {full.species} differ from the fit's {species}")
        if spec.cutoff is not None and abs(spec.cutoff - full.cutoff) > 1e-9:
            raise ConfigError(f"model.cutoff {spec.cutoff} Å differs from the cutoff {full.cutoff} Å of "
                              f"model.init {path}; drop model.cutoff or the init file")
        return SplineMEAM(species, {k: full.splines[k] for k in VARIANTS[spec.variant]}, spec.variant)
    r_min = spec.r_min if spec.r_min is not None else 0.5 * spec.cutoff
    if not r_min < spec.cutoff:
        raise ConfigError(f"model.r_min {r_min} Å must be below model.cutoff {spec.cutoff} Å")
    knots = {"phi": (r_min, spec.cutoff), "rho": (r_min, spec.cutoff), "f": (r_min, spec.cutoff),
             "U": tuple(spec.u_range), "g": (-1.0, 1.0)}
    n = len(species)
    splines = {}
    for name in VARIANTS[spec.variant]:
        x = np.linspace(*knots[name], spec.n_knots)
        count = n_pairs_of(n) if name in PER_PAIR else n
        splines[name] = [Spline(x, np.zeros(spec.n_knots), 0.0, 0.0) for _ in range(count)]
    return SplineMEAM(species, splines, spec.variant)


def objective_weights(config: FitConfig) -> dict[str, float]:
    """``weights`` as the s-MEAM path reads them: MAE multipliers of the CMA-ES objective
    E·MAE_E (eV/atom) + F·MAE_F (eV/Å) + S·MAE_σ, with MAE_σ in eV/Å³ (``weights.stress`` is per GPa).
    The least-squares path reads the same keys as row weights (:class:`~atomforge.fitting.weights.FitWeights`)."""
    w = config.weights
    return {"energy_mae_weight": w.energy, "force_mae_weight": w.force,
            "stress_mae_weight": w.stress * EV_A3_TO_GPA}


def cmaes_config(config: FitConfig) -> CMAESConfig:
    """The :class:`CMAESConfig` of ``config`` (its weights and ``model.cmaes``)."""
    c = config.model.cmaes
    return CMAESConfig(population=c.population, sigma0=c.sigma0, max_generations=c.generations,
                       restarts=c.restarts, **objective_weights(config),
                       u_penalty=c.u_penalty, u_curvature=c.u_curvature, checkpoint_every=c.checkpoint_every,
                       polish=c.polish, polish_iterations=c.polish_iterations, seed=c.seed)


def fit_smeam(train, config: FitConfig, base: Path, *, progress_factory=None):
    """Fit the s-MEAM model of ``config`` to ``train``; returns (potential, info dict).

    ``progress_factory(description, total)`` returns a ``progress(advance)`` callable.
    """
    spec = config.model
    if config.species and spec.elements and list(config.species) != list(spec.elements):
        raise ConfigError(f"species {config.species} and model.elements {spec.elements} differ")
    species = list(spec.elements or config.species or train.species)
    group_weights = {}
    for g, v in config.weights.groups.items():
        if isinstance(v, dict):
            raise ConfigError(f"weights.groups.{g}: per-kind group weights are not supported for "
                              "model.name: smeam; give one number")
        group_weights[g] = float(v)
    template = smeam_template(spec, species, base)
    cfg = cmaes_config(config)
    bar = progress_factory("structure vectors", len(train)) if progress_factory is not None else None
    t0 = time.perf_counter()
    ts = build_training_set(_counted(train, bar), template, forces_per_frame=spec.forces_per_frame,
                            group_weights=group_weights, seed=spec.cmaes.seed)
    t1 = time.perf_counter()
    checkpoint = None
    if spec.cmaes.checkpoint is not None:
        out_dir = resolve_path(config.output.potential, base).parent
        checkpoint = resolve_path(spec.cmaes.checkpoint, out_dir)
        checkpoint.parent.mkdir(parents=True, exist_ok=True)
    starts = spec.cmaes.starts
    resumed = False
    if checkpoint is not None:
        written = [checkpoint] if starts == 1 else [start_checkpoint(checkpoint, k) for k in range(starts)]
        resumed = any(p.exists() for p in written)
    progress = None
    if progress_factory is not None:
        step = progress_factory("CMA-ES generations", starts * cfg.max_generations * (cfg.restarts + 1))

        def progress(generation, best_loss):
            step(1)
    selection = {}
    if starts > 1:
        held_out = np.arange(len(ts)) % spec.cmaes.validation_every == spec.cmaes.validation_every - 1
        fit = fit_selected(ts, seeded_starts(cfg, starts), held_out, checkpoint=checkpoint, progress=progress)
        selection = {"chosen_start": fit.chosen, "starts": fit.candidates, "n_held_out": int(held_out.sum())}
        generations = sum(c["generations"] for c in fit.candidates)
        evaluations = sum(c["evaluations"] for c in fit.candidates)
        seconds = sum(c["seconds"] for c in fit.candidates)
    else:
        fit = fit_cmaes(ts, cfg, checkpoint=checkpoint, progress=progress)
        generations = len(fit.history)
        evaluations = int(fit.history[-1][1]) if fit.history else 0
        seconds = fit.parts["seconds"]
    refs = dict(zip(species, map(float, fit.reference_energies)))
    potential = SplineMEAM(species, fit.potential.splines, spec.variant, refs)
    info = {"model": "smeam", "variant": spec.variant, "n_params": int(template.theta().size),
            "cutoff": potential.cutoff, "loss": fit.loss,
            **{k: v for k, v in fit.parts.items() if k != "seconds"},
            "generations": generations, "evaluations": evaluations, **selection,
            "reference_energies": refs, "checkpoint": str(checkpoint) if checkpoint else None,
            "resumed": resumed, "t_structure_vectors_s": t1 - t0, "t_fit_s": seconds}
    return potential, info


def _counted(frames, bar):
    for fr in frames:
        yield fr
        if bar is not None:
            bar(1)
