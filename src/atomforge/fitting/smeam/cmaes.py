"""Fit spline-MEAM knot values with CMA-ES over structure vectors (Vita & Trinkle 2021, Sec. 2.3).

The objective of a parameter set θ is

    L(θ) = w_E · MAE_E + w_F · MAE_F + w_S · MAE_σ + λ_U · ⟨excess of n outside U's knots⟩
           + λ_C · RMS(U''),

with MAE_E the weighted mean absolute energy error per atom (after fitting one reference energy
per element by weighted least squares for each θ), MAE_F the weighted mean absolute force
component error, MAE_σ that of the stress components; frame weights times group weights weight
these. The λ_U term keeps every density inside the domain where U has knots. The λ_C term, the
root-mean-square curvature of the embedding functions over their knot range (eV per density
unit², mean over elements), keeps U smooth where no training density falls: U's knots span a fixed
range of which the training set may sample only part, and without it U can swing by tens of eV
between unsampled knots, which costs nothing in training and gives huge errors on any structure
whose density lands there. A whole CMA-ES population is one batch of matrix products per frame.

The optional polish (:func:`polish_lm`) refines the best point by nonlinear least squares on the
squared analogue of L, in which every MAE becomes an RMSE:

    R(θ) = (w_E · RMSE_E)² + (w_F · RMSE_F)² + (w_S · RMSE_σ)² + (λ_U · excess)² + (λ_C · RMS(U''))²
         = Σ r(θ)²,

with the residual vector r of :func:`residuals`, solved by Levenberg–Marquardt (SciPy
``least_squares``) with a forward-difference Jacobian that scores all n + 1 displaced parameter
sets as one structure-vector batch. The polish never returns a point of higher loss L.

Long fits write a checkpoint (``checkpoint=path``) every few generations and resume from it when
called again with the same path. The checkpoint is JSON, no pickle: the losses of every generation
so far, and a SHA-256 fingerprint of everything that determines the fit (training set, settings,
start). CMA-ES is deterministic given its seed and the losses it is told, so resuming replays the
recorded generations through ``cma`` (ask, then tell the recorded losses; no objective evaluations)
and reaches exactly the state of the interrupted run; the samples of the last recorded generation
are checked against the checkpoint. A checkpoint of other inputs is refused with a clear message.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ...errors import ConfigError
from ...models.meam_spline import SplineMEAM
from ...fileio import write_atomically
from .data import SMEAMTrainingSet, predict, reference_offsets


@dataclass
class CMAESConfig:
    """Settings of a CMA-ES spline-MEAM fit.

    Attributes
    ----------
    population : int or None
        Population size (None: the CMA-ES default, 4 + 3 ln n).
    sigma0 : float
        Initial step size, in the units of the knot values.
    max_generations : int
        Generations per run (each restart has its own budget).
    restarts : int
        Restarts after a run stops, from the best point so far, population × ``popsize_factor``.
    energy_mae_weight, force_mae_weight, stress_mae_weight : float
        Weights of the energy (eV/atom), force (eV/Å) and stress (eV/Å³) MAEs.
    u_penalty : float
        Weight of the mean distance of densities outside U's knot range.
    u_curvature : float
        Weight of the root-mean-square second derivative of U over its knots (eV per density
        unit²); 0 switches it off. The default 1e-4 costs a smooth U (curvature below ~5, as
        the published s-MEAM potentials) under ~5e-4, a small part of a typical loss of 0.005–0.02,
        and an oscillating one (curvature in the hundreds) more than the errors themselves.
    zero_at_cutoff : bool
        Keep φ, ρ, f and their slopes zero at their last knot (not fitted).
    checkpoint_every : int
        Generations between checkpoints.
    polish : bool
        Polish the best point with Levenberg–Marquardt least squares on the weighted energy,
        force and stress RMSEs (:func:`polish_lm`) after CMA-ES.
    polish_iterations : int
        Most residual evaluations of the polish (each step also costs one Jacobian batch).
    seed : int
    """

    population: int | None = None
    sigma0: float = 0.05
    max_generations: int = 200
    restarts: int = 0
    popsize_factor: float = 2.0
    energy_mae_weight: float = 1.0
    force_mae_weight: float = 1.0
    stress_mae_weight: float = 0.0
    u_penalty: float = 10.0
    u_curvature: float = 1e-4
    zero_at_cutoff: bool = True
    checkpoint_every: int = 10
    polish: bool = False
    polish_iterations: int = 200
    seed: int = 0

    def __post_init__(self):
        if self.sigma0 <= 0:
            raise ConfigError(f"CMAESConfig.sigma0 must be positive, got {self.sigma0}")
        if self.population is not None and self.population < 2:
            raise ConfigError(f"CMAESConfig.population must be at least 2, got {self.population}")
        if min(self.energy_mae_weight, self.force_mae_weight, self.stress_mae_weight, self.u_penalty, self.u_curvature) < 0:
            raise ConfigError("CMAESConfig: weights must not be negative")
        if self.polish_iterations < 1:
            raise ConfigError(f"CMAESConfig.polish_iterations must be positive, got {self.polish_iterations}")


@dataclass
class FitResult:
    """Outcome of :func:`fit_cmaes`: the potential, its per-element reference energies (eV),
    the best loss and its parts, and the loss history (generation, evaluations, best loss)."""

    potential: SplineMEAM
    reference_energies: np.ndarray
    loss: float
    parts: dict
    history: list = field(default_factory=list)


def free_mask(template: SplineMEAM, zero_at_cutoff: bool) -> np.ndarray:
    """Which entries of θ are fitted: all, except (optionally) y_N and dN of φ, ρ, f."""
    mask = np.ones(template.blocks()[-1][3], dtype=bool)
    if zero_at_cutoff:
        for name, _, a, b in template.blocks():
            if name in ("phi", "rho", "f"):
                n_knots = b - a - 2
                mask[a + n_knots - 1] = False  # y at the cutoff
                mask[b - 1] = False  # slope at the cutoff
    return mask


def errors(ts: SMEAMTrainingSet, thetas: np.ndarray, cfg: CMAESConfig) -> dict[str, np.ndarray | None]:
    """Signed errors of parameter sets ``thetas`` (P, n_params), shared by :func:`loss_parts` and
    :func:`residuals`.

    Keys: ``energy`` (P, n_frames) eV/atom, reference − model after the per-element reference energies ``offsets``
    (P, n_species) eV; ``force`` (P, n_force, 3) eV/Å, model − reference, or None without force rows; ``stress``
    (P, n_stressed, 6) eV/Å³ of the frames ``has_stress`` (n_frames,), or None unless weighted;
    ``u_excess`` (P,), the mean density excess outside U's knots; ``u_roughness`` (P, n_rows), θ @ Cᵀ with C the
    layout's ``u_roughness`` matrix (eV per density unit²), or None when ``cfg.u_curvature`` is 0.
    """
    energies, forces, stresses, excess = predict(ts, thetas, stress=cfg.stress_mae_weight > 0)
    offsets = reference_offsets(ts, energies)  # (P, n_species)
    has_s = ~np.isnan(ts.stresses[:, 0])
    fw = ts.force_weights
    return {"energy": (ts.energies - energies - offsets @ ts.counts.T) / ts.n_atoms,
            "force": forces - ts.force_labels if fw.size and fw.sum() > 0 else None,
            "stress": stresses[:, has_s] - ts.stresses[has_s] if cfg.stress_mae_weight > 0 and has_s.any() else None,
            "has_stress": has_s, "u_excess": excess, "offsets": offsets,
            "u_roughness": thetas @ ts.layout.u_roughness.T if cfg.u_curvature > 0 else None}


def loss_parts(ts: SMEAMTrainingSet, thetas: np.ndarray, cfg: CMAESConfig) -> dict[str, np.ndarray]:
    """Loss and its parts, each (P,), for parameter sets ``thetas`` (P, n_params)."""
    return _loss_parts(ts, errors(ts, thetas, cfg), cfg)


def loss_summary(ts: SMEAMTrainingSet, theta: np.ndarray, cfg: CMAESConfig) -> tuple[dict[str, float], np.ndarray]:
    """The loss parts of one parameter set ``theta`` (n_params,) as floats, and its reference energies
    (n_species,) eV."""
    parts = loss_parts(ts, theta[None, :], cfg)
    return {k: float(v[0]) for k, v in parts.items() if k != "offsets"}, parts["offsets"][0]


def _loss_parts(ts: SMEAMTrainingSet, err: dict, cfg: CMAESConfig) -> dict[str, np.ndarray]:
    w, fw, excess = ts.weights, ts.force_weights, err["u_excess"]
    mae_e = np.abs(err["energy"]) @ w / w.sum()
    mae_f = np.zeros(len(excess)) if err["force"] is None else np.abs(err["force"]).sum(axis=2) @ fw / (3 * fw.sum())
    if err["stress"] is None:
        mae_s = np.zeros(len(excess))
    else:
        ws = w[err["has_stress"]]
        mae_s = np.abs(err["stress"]).mean(axis=2) @ ws / ws.sum()
    rms_u2 = np.zeros(len(excess)) if err["u_roughness"] is None else np.sqrt((err["u_roughness"] ** 2).sum(axis=1))
    loss = (cfg.energy_mae_weight * mae_e + cfg.force_mae_weight * mae_f + cfg.stress_mae_weight * mae_s
            + cfg.u_penalty * excess + cfg.u_curvature * rms_u2)
    loss = np.where(np.isfinite(loss), loss, 1e10)
    return {"loss": loss, "energy_mae": mae_e, "force_mae": mae_f, "stress_mae": mae_s,
            "u_excess": excess, "u_curvature_rms": rms_u2, "offsets": err["offsets"]}


def residuals(ts: SMEAMTrainingSet, thetas: np.ndarray, cfg: CMAESConfig) -> np.ndarray:
    """Weighted residual vectors r, shape (P, n_residuals), of parameter sets ``thetas`` (P, n_params).

    Σ r² = (w_E RMSE_E)² + (w_F RMSE_F)² + (w_S RMSE_σ)² + (λ_U excess)²: the loss of
    :func:`loss_parts` with each MAE replaced by the RMSE of the same errors and weights, squared.
    Entries, in order: energy errors per atom (eV/atom; after the per-element reference energies of
    :func:`~atomforge.fitting.smeam.data.reference_offsets`, as in the loss) × w_E √(w/Σw); force
    components (eV/Å) × w_F √(w/(3 Σw)); stress components (eV/Å³), where weighted,
    × w_S √(w/(6 Σw)); where λ_U > 0, λ_U × the mean density excess outside U's knots; and, where
    λ_C > 0, λ_C × the rows of θ @ Cᵀ (``ts.layout.u_roughness``).
    """
    return _residuals(ts, errors(ts, thetas, cfg), cfg)


def _residuals(ts: SMEAMTrainingSet, err: dict, cfg: CMAESConfig) -> np.ndarray:
    w, fw = ts.weights, ts.force_weights
    p = len(err["u_excess"])
    parts = [err["energy"] * (cfg.energy_mae_weight * np.sqrt(w / w.sum()))]
    if err["force"] is not None:
        scale = cfg.force_mae_weight * np.sqrt(fw / (3 * fw.sum()))
        parts.append((err["force"] * scale[:, None]).reshape(p, -1))
    if err["stress"] is not None:
        ws = w[err["has_stress"]]
        scale = cfg.stress_mae_weight * np.sqrt(ws / (6 * ws.sum()))
        parts.append((err["stress"] * scale[:, None]).reshape(p, -1))
    if cfg.u_penalty > 0:
        parts.append(cfg.u_penalty * err["u_excess"][:, None])
    if err["u_roughness"] is not None:
        parts.append(cfg.u_curvature * err["u_roughness"])
    return np.concatenate(parts, axis=1)


def forward_jacobian(fun, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Residuals r(x), shape (m,), and their Jacobian ∂r/∂x, shape (m, n), by forward differences.

    ``fun`` maps a batch of points (P, n) to residual vectors (P, m); it is called once, on x and
    the n points displaced along each axis by h_j = √ε · max(1, |x_j|).
    """
    x = np.asarray(x, dtype=float)
    xs = np.vstack([x, x + np.diag(np.sqrt(np.finfo(float).eps) * np.maximum(1.0, np.abs(x)))])
    h = xs[1:].diagonal() - x  # the steps as represented in floating point
    r = fun(xs)
    return r[0], (r[1:] - r[0]).T / h


def polish_lm(ts: SMEAMTrainingSet, cfg: CMAESConfig, theta: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Refine the entries ``mask`` of ``theta`` (n_params,) by least squares on :func:`residuals`.

    Runs SciPy ``least_squares`` (MINPACK Levenberg–Marquardt; trust-region reflective where there
    are fewer residuals than free entries), at most ``cfg.polish_iterations`` residual evaluations,
    with the batched :func:`forward_jacobian`.
    Returns its end point if its :func:`loss_parts` loss is no worse than ``theta``'s, otherwise
    the visited point of lowest loss (``theta`` itself if none is lower): never a worse loss.
    """
    from scipy.optimize import least_squares

    theta = np.asarray(theta, dtype=float)

    def full(xs):
        thetas = np.repeat(theta[None, :], len(xs), axis=0)
        thetas[:, mask] = xs
        return thetas

    def loss(x):
        return float(loss_parts(ts, full(x[None, :]), cfg)["loss"][0])

    best = {"x": theta[mask].copy(), "loss": np.inf}

    def fun(x):  # one prediction for both the residuals and the loss of the best point so far
        err = errors(ts, full(x[None, :]), cfg)
        value = float(_loss_parts(ts, err, cfg)["loss"][0])
        if value < best["loss"]:
            best.update(x=x.copy(), loss=value)
        return _residuals(ts, err, cfg)[0]

    def jac(x):
        return forward_jacobian(lambda xs: residuals(ts, full(xs), cfg), x)[1]

    r0 = fun(theta[mask])
    start_loss = best["loss"]
    if not np.all(np.isfinite(r0)):
        return theta
    method = "lm" if len(r0) >= mask.sum() else "trf"  # MINPACK needs no fewer residuals than unknowns
    res = least_squares(fun, theta[mask], jac=jac, method=method, x_scale="jac",
                        max_nfev=cfg.polish_iterations, ftol=1e-12, xtol=1e-12, gtol=1e-12)
    end = res.x if loss(res.x) <= start_loss else best["x"]
    return full(end[None, :])[0]


CHECKPOINT_FORMAT = "atomforge-cmaes-checkpoint"


def fit_fingerprint(ts: SMEAMTrainingSet, cfg: CMAESConfig, x_start: np.ndarray) -> str:
    """SHA-256 (hex) of the training set (structure vectors, labels, weights), the settings and the start."""
    h = hashlib.sha256()
    arrays = [ts.energies, ts.force_labels, ts.force_weights, ts.stresses, ts.counts, ts.weights, x_start,
              ts.layout.template.theta()]
    arrays += [a for v in ts.vectors for a in (v.e_phi, v.dens, v.g_phi, v.d_dens, v.v_phi, v.v_dens)]
    for a in arrays:
        h.update(np.ascontiguousarray(a, dtype=np.float64).tobytes())
        h.update(b"|")
    h.update(json.dumps([asdict(cfg), list(ts.groups)], sort_keys=True, default=str).encode())
    return h.hexdigest()


def _load_checkpoint(path: Path, fingerprint: str) -> dict:
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise ConfigError(f"{path}: not a readable CMA-ES checkpoint ({err}); delete it to start afresh") from err
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise ConfigError(f"{path}: not an atomforge CMA-ES checkpoint (format {CHECKPOINT_FORMAT!r}); "
                          "delete it to start afresh")
    if state.get("fingerprint") != fingerprint:
        raise ConfigError(f"{path}: checkpoint of another fit (training data, settings or starting potential "
                          "differ); delete it to start afresh, or restore the inputs it was written for")
    return state


def _save(path: Path, state: dict, xs_last) -> None:
    data = {**state, "best_x": np.asarray(state["best_x"]).tolist(), "format": CHECKPOINT_FORMAT,
            "last_samples_sha256": _samples_hash(xs_last) if xs_last is not None else None}
    text = json.dumps(data)
    write_atomically(path, lambda fh: fh.write(text.encode()))


def _samples_hash(xs) -> str:
    return hashlib.sha256(np.ascontiguousarray(np.asarray(xs, dtype=np.float64)).tobytes()).hexdigest()


def fit_cmaes(ts: SMEAMTrainingSet, cfg: CMAESConfig | None = None, *, x0: np.ndarray | None = None,
              checkpoint: str | os.PathLike | None = None, progress=None) -> FitResult:
    """Fit the knot values of ``ts.layout.template`` with CMA-ES (``cma`` package).

    Parameters
    ----------
    ts : SMEAMTrainingSet
    cfg : CMAESConfig
    x0 : ndarray, shape (n_params,), optional
        Starting θ (default: the template's own knot values).
    checkpoint : path, optional
        Written every ``cfg.checkpoint_every`` generations; if it exists, the fit resumes from it.
    progress : callable, optional
        Called as ``progress(generation, best_loss)`` after each generation.
    """
    import cma

    cfg = cfg or CMAESConfig()
    template = ts.layout.template
    base = template.theta() if x0 is None else np.asarray(x0, dtype=float).copy()
    mask = free_mask(template, cfg.zero_at_cutoff)
    if cfg.zero_at_cutoff:
        base[~mask] = 0.0

    def full(xs):
        thetas = np.repeat(base[None, :], len(xs), axis=0)
        thetas[:, mask] = np.asarray(xs)
        return thetas

    path = Path(checkpoint) if checkpoint is not None else None
    x_start = base[mask].copy()  # the start counts as a candidate: a fit never returns worse
    fingerprint = fit_fingerprint(ts, cfg, x_start) if path is not None else None
    recorded = _load_checkpoint(path, fingerprint) if path is not None and path.exists() else None
    replay = list(recorded["losses"]) if recorded else []
    np.random.seed(cfg.seed)
    state = {"run": 0, "generation": 0, "best_x": x_start,
             "best_loss": float(loss_parts(ts, full(x_start[None, :]), cfg)["loss"][0]),
             "history": [], "losses": [], "fingerprint": fingerprint}
    es = _new_es(base[mask], cfg, 0)
    xs = None
    t_start = time.perf_counter()
    while True:
        while not es.stop() and state["generation"] < cfg.max_generations * (state["run"] + 1):
            xs = es.ask()
            if replay:  # resuming: tell CMA-ES what it was told before
                losses = np.array(replay.pop(0))
                if not replay and _samples_hash(xs) != recorded.get("last_samples_sha256"):
                    raise ConfigError(f"{path}: replaying the checkpoint did not reproduce its samples "
                                      "(another version of the cma package?); delete it to start afresh")
            else:
                losses = loss_parts(ts, full(xs), cfg)["loss"]
            es.tell(xs, losses.tolist())
            state["losses"].append(losses.tolist())
            k = int(np.argmin(losses))
            if losses[k] < state["best_loss"]:
                state["best_loss"], state["best_x"] = float(losses[k]), np.array(xs[k])
            state["generation"] += 1
            state["history"].append((state["generation"], es.countevals, state["best_loss"]))
            if progress is not None:
                progress(state["generation"], state["best_loss"])
            if path is not None and not replay and state["generation"] % cfg.checkpoint_every == 0:
                _save(path, state, xs)
        if state["run"] >= cfg.restarts:
            break
        state["run"] += 1
        state["generation"] = cfg.max_generations * state["run"]
        es = _new_es(state["best_x"], cfg, state["run"])
    theta = full(state["best_x"][None, :])[0]
    if cfg.polish:
        theta = polish_lm(ts, cfg, theta, mask)
    summary, offsets = loss_summary(ts, theta, cfg)
    if path is not None:
        _save(path, state, xs)
    summary["seconds"] = time.perf_counter() - t_start
    return FitResult(template.with_theta(theta), offsets, summary["loss"], summary, state["history"])


def _new_es(x0, cfg: CMAESConfig, run: int):
    import cma

    opts = {"seed": cfg.seed + 1 + run, "verbose": -9, "maxiter": cfg.max_generations}
    if cfg.population is not None:
        opts["popsize"] = int(round(cfg.population * cfg.popsize_factor ** run))
    elif run:
        opts["popsize"] = int(round((4 + 3 * np.log(len(x0))) * cfg.popsize_factor ** run))
    return cma.CMAEvolutionStrategy(np.asarray(x0, dtype=float), cfg.sigma0, opts)

