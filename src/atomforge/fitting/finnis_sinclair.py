"""The ``finnis_sinclair`` trainer: L-BFGS on weighted energy, force and stress residuals, from a linear fit.

The objective is the least-squares objective of :mod:`atomforge.fitting.linear` (same row weights,
same ridge λ‖Dθ‖² with D the column norms of the weighted linear design matrix, constants free):

    L = Σ_frames w_E² (E/N − Ê/N)² + Σ_force rows w_F² (F − F̂)² + Σ_stress rows w_σ² (σ − σ̂)²
        + λ Σ (D_ek c_epk)²

minimised over the reference energies E0_e and densities c_epk of a
:class:`~atomforge.models.finnis_sinclair.FinnisSinclairModel` with analytic gradients
(backpropagation through the chain rule of :mod:`atomforge.chain_rule`). E0 and the densities of
exponent 1 enter linearly and are solved exactly for given nonlinear densities (variable
projection), so L-BFGS runs over the nonlinear densities alone, in the variables D·c (unit column
scale). The linear least-squares fit (``solver.ridge``, a number or ``bayesian``, whose λ the FS
objective reuses) is the reference; the starts are random nonlinear densities (seed 0) of RMS
0.01, 0.3 and 1 (one L-BFGS run each, ``solver.max_iter`` iterations at most, the lowest objective
kept).

Memory: the pair gradients of the fitted force rows are kept; ``solver.force_fraction`` f < 1 fits
the forces of that fraction of each frame's atoms (chosen at random, seed 0; all pairs of a frame
with a fitted stress are kept), with weights w_F/√f so that their sum estimates the full one — the
linear start always sees every force.
"""

from __future__ import annotations

import time

import numpy as np
from scipy import linalg
from scipy.optimize import minimize

from ..errors import ConfigError
from ..models.embedding import fs_embedding
from ..units import EV_A3_TO_GPA
from ..gradient_products import pair_backward, pair_forces
from .linear.design import DesignMatrix, frame_rows
from .linear.trainer import fit_least_squares
from .weights import ENERGY, FORCE, STRESS, FitWeights

_VOIGT = ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))
#: RMS of the nonlinear densities at the starts of the L-BFGS runs (:func:`fit_finnis_sinclair`).
INIT_DENSITIES = (0.01, 0.3, 1.0)
#: Iterations between calls of the callback of :func:`fit_finnis_sinclair`.
CALLBACK_EVERY = 10


class PairData:
    """Descriptor values and kept pair gradients of many frames, concatenated, with weighted targets.

    Built frame by frame with :meth:`add`; :meth:`finish` stacks the arrays.
    """

    def __init__(self, model, weights: FitWeights, force_fraction: float = 1.0, seed: int = 0):
        self.model, self.weights, self.force_fraction = model, weights, force_fraction
        self.rng = np.random.default_rng(seed)
        self._lists: dict[str, list] = {k: [] for k in (
            "values", "elem", "frame", "grad", "center", "force_row", "stress_of_pair", "vectors")}
        self.energy, self.energy_w, self.n_atoms = [], [], []
        self.forces, self.force_w = [], []
        self.stress, self.stress_w, self.stress_volume = [], [], []
        self._atoms = self._force_rows = 0

    def add(self, frame, out, reference=None, *, stress: bool = True) -> None:
        """Add one frame's descriptor output (with gradients when forces or stress are fitted)."""
        atoms, n, k = frame.atoms, frame.n_atoms, len(self.n_atoms)
        ref_e, ref_f, ref_s = (reference.evaluate(atoms) if reference is not None
                               else (np.zeros(n), np.zeros((n, 3)), np.zeros(6)))
        w = self.weights.row_weights(np.array([ENERGY, FORCE, STRESS]), frame.group, frame.weight)
        L = self._lists
        L["values"].append(out.values)
        L["elem"].append(self.model.element_index(out.numbers))
        L["frame"].append(np.full(n, k))
        self.n_atoms.append(n)
        self.energy.append((frame.energy - ref_e.sum()) / n if frame.energy is not None else 0.0)
        self.energy_w.append(w[0] if frame.energy is not None else 0.0)
        fit_f = frame.forces is not None and w[1] > 0
        fit_s = stress and frame.stress is not None and bool(atoms.pbc.all()) and w[2] > 0
        if fit_f or fit_s:
            chosen = np.zeros(n, dtype=bool)
            if fit_f:
                chosen = self.rng.random(n) < self.force_fraction if self.force_fraction < 1 else np.ones(n, bool)
            keep = np.ones(len(out.pairs), bool) if fit_s else chosen[out.pairs[:, 1]]
            rows = np.full(n, -1)
            rows[chosen] = self._force_rows + np.arange(chosen.sum())
            self._force_rows += int(chosen.sum())
            self.forces.append((np.asarray(frame.forces) - ref_f)[chosen] if fit_f else np.zeros((0, 3)))
            self.force_w.append(np.full(int(chosen.sum()), w[1] / np.sqrt(self.force_fraction)))
            L["grad"].append(out.grad[keep])
            L["center"].append(out.pairs[keep, 0] + self._atoms)
            L["force_row"].append(rows[out.pairs[keep, 1]])
            L["vectors"].append(out.vectors[keep])
            L["stress_of_pair"].append(np.full(int(keep.sum()), len(self.stress) if fit_s else -1))
            if fit_s:
                self.stress.append((np.asarray(frame.stress) - ref_s) * EV_A3_TO_GPA)
                self.stress_w.append(w[2])
                self.stress_volume.append(atoms.get_volume())
        self._atoms += n

    def finish(self) -> "PairData":
        """Stack the per-frame lists into arrays (called once, after the last :meth:`add`)."""
        L, nf = self._lists, self._lists["values"][0].shape[1]
        self.values = np.vstack(L["values"])
        self.elem, self.frame = np.concatenate(L["elem"]), np.concatenate(L["frame"])
        self.n_atoms = np.asarray(self.n_atoms, float)
        self.energy, self.energy_w = np.asarray(self.energy), np.asarray(self.energy_w)
        cat = (lambda key, shape: np.concatenate(L[key]) if L[key] else np.zeros(shape))
        self.grad = cat("grad", (0, nf, 3))
        self.center = cat("center", (0,)).astype(np.int64)
        self.force_row = cat("force_row", (0,)).astype(np.int64)
        self.vectors = cat("vectors", (0, 3))
        self.stress_of_pair = cat("stress_of_pair", (0,)).astype(np.int64)
        self.forces = np.vstack(self.forces) if self.forces else np.zeros((0, 3))
        self.force_w = np.concatenate(self.force_w) if self.force_w else np.zeros(0)
        self.stress = np.asarray(self.stress).reshape(-1, 6)
        self.stress_w, self.stress_volume = np.asarray(self.stress_w), np.asarray(self.stress_volume)
        self.starts = np.zeros(len(self.values) + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.center, minlength=len(self.values)), out=self.starts[1:])
        del self._lists
        return self


def predictions(model, data: PairData, e0: np.ndarray, coef: np.ndarray) -> dict:
    """Energies per atom of each frame (n_frames,) eV, forces of the fitted rows (n_force, 3) eV/Å
    and stresses (n_stress, 6) GPa of ``model`` with parameters (e0, coef), and the intermediates
    the gradient needs (``rho``, ``slope`` = s F'(ρ), ``curve`` = s F''(ρ), ``g`` = ∂E_i/∂r_j per pair)."""
    n_dens = coef.shape[1]
    scales, exps = model.scales, model.exponents
    elem, values = data.elem, data.values
    rho = np.einsum("apk,ak->ap", coef[elem], values)  # (n_atoms, n_dens)
    energies = e0[elem].copy()
    slope, curve = np.empty_like(rho), np.empty_like(rho)
    for p in range(n_dens):
        f, df, d2f = fs_embedding(rho[:, p], exps[p])
        energies += scales[p] * f
        slope[:, p], curve[:, p] = scales[p] * df, scales[p] * d2f
    de_db = np.einsum("ap,apk->ak", slope, coef[elem])  # (n_atoms, nf)
    out = {"energy": np.bincount(data.frame, weights=energies, minlength=len(data.n_atoms)) / data.n_atoms,
           "forces": np.zeros((len(data.forces), 3)), "stress": np.zeros((len(data.stress), 6)),
           "rho": rho, "slope": slope, "curve": curve}
    if len(data.grad):
        g = out["g"] = pair_forces(de_db, data.grad, data.starts)  # (n_pairs, 3) = ∂E_i/∂r_j
        fit = data.force_row >= 0
        np.add.at(out["forces"], data.force_row[fit], -g[fit])
        if len(data.stress):
            on = data.stress_of_pair >= 0
            virial = np.zeros((len(data.stress), 3, 3))
            np.add.at(virial, data.stress_of_pair[on], g[on, :, None] * data.vectors[on, None, :])
            sym = 0.5 * (virial + virial.transpose(0, 2, 1)) * (EV_A3_TO_GPA / data.stress_volume)[:, None, None]
            out["stress"] = np.stack([sym[:, a, c] for a, c in _VOIGT], axis=1)
    return out


def objective(model, data: PairData, e0: np.ndarray, coef: np.ndarray):
    """Weighted sum of squared residuals of ``model`` with parameters (e0, coef) on ``data``,
    and its gradients (same shapes as e0 and coef)."""
    n_sp = coef.shape[0]
    elem, values = data.elem, data.values
    pred = predictions(model, data, e0, coef)
    slope, curve = pred["slope"], pred["curve"]
    e_res = pred["energy"] - data.energy
    loss = float(np.sum((data.energy_w * e_res) ** 2))
    dl_de = (2 * data.energy_w ** 2 * e_res / data.n_atoms)[data.frame]  # ∂L/∂E_i
    dl_dd = np.zeros_like(values)
    if len(data.grad):
        fit = data.force_row >= 0
        f_res = pred["forces"] - data.forces
        loss += float(np.sum((data.force_w[:, None] * f_res) ** 2))
        b = np.zeros_like(pred["g"])  # ∂L/∂g_p
        b[fit] = -(2 * data.force_w[:, None] ** 2 * f_res)[data.force_row[fit]]
        if len(data.stress):
            sp = data.stress_of_pair
            on = sp >= 0
            s_res = pred["stress"] - data.stress
            loss += float(np.sum((data.stress_w[:, None] * s_res) ** 2))
            ds = 2 * data.stress_w[:, None] ** 2 * s_res  # ∂L/∂σ (n_stress, 6)
            gam = np.zeros((len(data.stress), 3, 3))
            for v, (a, c) in enumerate(_VOIGT):
                gam[:, a, c] += 0.5 * ds[:, v]
                gam[:, c, a] += 0.5 * ds[:, v]
            gam *= (EV_A3_TO_GPA / data.stress_volume)[:, None, None]
            b[on] += np.einsum("pcd,pd->pc", gam[sp[on]], data.vectors[on])
        dl_dd = pair_backward(b, data.grad, data.starts, len(values))  # ∂L/∂(∂E_i/∂B_ik)
    # back through ∂E_i/∂B_i = Σ_p slope_p c_p and E_i = e0 + Σ_p s_p F(ρ_p)
    dl_drho = curve * np.einsum("apk,ak->ap", coef[elem], dl_dd) + slope * dl_de[:, None]
    g_coef = np.zeros_like(coef)
    g_e0 = np.bincount(elem, weights=dl_de, minlength=n_sp)
    for e in range(n_sp):
        rows = elem == e
        g_coef[e] = slope[rows].T @ dl_dd[rows] + dl_drho[rows].T @ values[rows]
    return loss, g_e0, g_coef


def linear_rows(data: PairData, n_species: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unweighted rows of E0 and the B terms on ``data``'s fitted rows (energies per atom, forces,
    stresses in GPa), their weights and targets: A (n_rows, n_species (1 + n_features)), w, t."""
    nf = data.values.shape[1]
    a_e = np.zeros((len(data.n_atoms), n_species, 1 + nf))
    np.add.at(a_e, (data.frame, data.elem, 0), 1.0)
    np.add.at(a_e[:, :, 1:], (data.frame, data.elem), data.values)
    a_e /= data.n_atoms[:, None, None]
    a_f = np.zeros((len(data.forces), n_species, 1 + nf, 3))
    fit = data.force_row >= 0
    np.add.at(a_f[:, :, 1:], (data.force_row[fit], data.elem[data.center[fit]]), -data.grad[fit])
    a_s = np.zeros((len(data.stress), 6, n_species, 1 + nf))
    for k in range(len(data.stress)):
        for e in range(n_species):
            sel = (data.stress_of_pair == k) & (data.elem[data.center] == e)
            w = np.einsum("pka,pb->kab", data.grad[sel], data.vectors[sel])  # (nf, 3, 3)
            w = 0.5 * (w + w.transpose(0, 2, 1)) * EV_A3_TO_GPA / data.stress_volume[k]
            a_s[k, :, e, 1:] = np.stack([w[:, a, c] for a, c in _VOIGT])
    cols = n_species * (1 + nf)
    a = np.vstack([a_e.reshape(len(a_e), cols), a_f.transpose(0, 3, 1, 2).reshape(3 * len(a_f), cols),
                   a_s.reshape(6 * len(a_s), cols)])
    w = np.concatenate([data.energy_w, np.repeat(data.force_w, 3), np.repeat(data.stress_w, 6)])
    t = np.concatenate([data.energy, data.forces.ravel(), data.stress.ravel()])
    return a, w, t


def fit_finnis_sinclair(model, data: PairData, linear_coef: np.ndarray, column_norms: np.ndarray, *,
                        ridge: float = 0.0, max_iter: int = 200, seed: int = 0,
                        init_densities: tuple[float, ...] = INIT_DENSITIES, callback=None) -> dict:
    """Minimise :func:`objective` + λ‖D c‖² by L-BFGS with variable projection; set the model's parameters.

    The densities with exponent 1 and E0 enter the energy linearly: for given nonlinear densities
    they are solved exactly (weighted least squares with the same ridge, :func:`linear_rows`), so
    L-BFGS runs over the nonlinear densities alone (Golub–Pereyra variable projection; the gradient
    is the objective's partial derivative at the inner optimum). Variables: D·c_p, p nonlinear.

    Parameters
    ----------
    linear_coef : ndarray, shape (n_species, 1 + n_features)
        β0, β of the linear fit (:class:`~atomforge.models.LinearModel` ``coef_``): the reference
        objective ``objective_linear`` (nonlinear densities zero, evaluated on ``data``).
    column_norms : ndarray, shape (n_species, 1 + n_features)
        D: column norms of the weighted linear design matrix, in the same layout.
    init_densities : tuple of float
        One L-BFGS run (at most ``max_iter`` iterations) per entry, from nonlinear densities of
        that RMS over the atoms (random directions, seed ``seed``); the lowest objective is kept.
    callback : callable(iteration, e0, coef), optional
        Called every :data:`CALLBACK_EVERY` L-BFGS iterations with the current parameters (e.g. to
        follow errors on held-out frames).
    """
    n_sp, nf = linear_coef.shape[0], linear_coef.shape[1] - 1
    n_dens, scales, exps = model.n_densities, model.scales, model.exponents
    lin = [p for p in range(n_dens) if exps[p] == 1.0]
    nonlin = [p for p in range(n_dens) if exps[p] != 1.0]
    if not lin:
        raise ConfigError(f"finnis_sinclair trainer: fs_parameters {model.fs_parameters} need one density with "
                          "exponent 1 (the linear part, solved exactly)")
    q = lin[0]
    dk = np.where(column_norms[:, 1:] > 0, column_norms[:, 1:], 1.0)[:, None, :]  # (n_sp, 1, nf)
    a, w, t = linear_rows(data, n_sp)
    reg = np.sqrt(ridge) * np.concatenate([np.zeros((n_sp, 1)), dk[:, 0] / scales[q]], axis=1).ravel()
    solver = linalg.pinv(np.vstack([a * w[:, None], np.diag(reg)]), check_finite=False)  # one SVD, then matvecs

    def solve_linear(coef):
        """E0 and density q (the others of exponent 1 set to zero) for the nonlinear densities of coef."""
        coef = coef.copy()
        coef[:, lin] = 0.0
        pred = predictions(model, data, np.zeros(n_sp), coef)
        r = np.concatenate([pred["energy"], pred["forces"].ravel(), pred["stress"].ravel()])
        x = (solver @ np.concatenate([(t - r) * w, np.zeros(len(reg))])).reshape(n_sp, 1 + nf)
        coef[:, q] = x[:, 1:] / scales[q]
        return x[:, 0], coef

    def fun(theta):
        coef = np.zeros((n_sp, n_dens, nf))
        coef[:, nonlin] = theta.reshape(n_sp, len(nonlin), nf) / dk
        e0, coef = solve_linear(coef)
        loss, _, g_c = objective(model, data, e0, coef)
        loss += ridge * float(np.sum((dk * coef) ** 2))
        g = (g_c + 2 * ridge * dk ** 2 * coef)[:, nonlin] / dk
        return loss, g.ravel(), (e0, coef)

    at_linear = np.zeros((n_sp, n_dens, nf))
    at_linear[:, q] = linear_coef[:, 1:] / scales[q]
    linear_objective = objective(model, data, linear_coef[:, 0], at_linear)[0] + ridge * float(
        np.sum((dk * at_linear) ** 2))
    rng = np.random.default_rng(seed)
    directions = rng.normal(size=(n_sp, len(nonlin), nf)) / dk
    rms = [np.sqrt(np.mean(np.einsum("ak,ak->a", directions[data.elem, j], data.values) ** 2)) or 1.0
           for j in range(len(nonlin))]
    directions /= np.array(rms)[None, :, None]
    runs = []
    for size in init_densities:
        theta0 = (size * directions * dk).ravel()
        count = [0]

        def each(x):
            count[0] += 1
            if callback is not None and count[0] % CALLBACK_EVERY == 0:
                callback(count[0], *fun(x)[2])

        res = minimize(lambda x: fun(x)[:2], theta0, jac=True, method="L-BFGS-B", callback=each,
                       options={"maxiter": max_iter, "maxcor": 30, "ftol": 1e-13, "gtol": 1e-12})
        runs.append({"init_density": size, "objective_start": fun(theta0)[0], "objective": float(res.fun),
                     "lbfgs_iterations": int(res.nit), "lbfgs_message": str(res.message), "x": res.x})
    best = min(runs, key=lambda r: r["objective"])
    model.set_parameters(*fun(best["x"])[2])
    return {"objective_linear": linear_objective, "objective": best["objective"],
            "init_density": best["init_density"], "runs": [{k: r[k] for k in r if k != "x"} for r in runs]}


def fit_finnis_sinclair_config(train, config, base=None, *, progress_factory=None):
    """Trainer entry (:data:`atomforge.fitting.trainers.TRAINERS`): fit ``config``'s FS model to ``train``.

    Returns (potential, info): the linear start's solver info (``linear_*``), the L-BFGS result,
    the kept pair rows and their memory, and timings.
    """
    from ..models import LinearModel
    from .fit import build_potential_parts

    species = list(config.species) if config.species else train.species
    potential = build_potential_parts(config, species)
    descriptor, model = potential.descriptor, potential.model
    if not hasattr(model, "fs_parameters"):
        raise ConfigError(f"model {model.name!r} is not a Finnis–Sinclair model; the finnis_sinclair trainer "
                          "fits FinnisSinclairModel")
    model.validate_params()
    s, w = config.solver, config.weights
    if s.loss != "squared":
        raise ConfigError(f"solver.loss {s.loss!r}: the finnis_sinclair trainer fits the squared loss only")
    weights = FitWeights(w.energy, w.force, w.stress, dict(w.groups))
    linear = LinearModel(species=species)
    design = DesignMatrix.for_model(linear, descriptor.n_features, weights)
    data = PairData(model, weights, s.force_fraction)
    progress = progress_factory("descriptors + design matrix", len(train)) if progress_factory else None
    t0 = time.perf_counter()
    for frame in train:
        out = descriptor.compute(frame, gradients=w.force > 0 or w.stress > 0)
        design.add(frame_rows(linear, frame, out, potential.pair, stress=w.stress > 0))
        data.add(frame, out, potential.pair, stress=w.stress > 0)
        if progress is not None:
            progress(1)
    data.finish()
    t1 = time.perf_counter()
    linear_info = fit_least_squares(linear, design, ridge=s.ridge, rcond=s.rcond)
    norms = np.sqrt(sum(np.einsum("ij,ij->j", a, a) for a, _ in design.blocks()))
    ridge = linear_info["ridge"] if s.ridge == "bayesian" else s.ridge
    t2 = time.perf_counter()
    info = fit_finnis_sinclair(model, data, linear.coef_, norms.reshape(len(species), -1), ridge=ridge,
                               max_iter=s.max_iter)
    info.update({f"linear_{k}": v for k, v in linear_info.items()})
    info.update({"ridge": ridge, "n_pair_rows": len(data.grad), "pair_gradients_mib": data.grad.nbytes / 2**20,
                 "n_force_atoms": len(data.forces), "t_descriptors_s": t1 - t0, "t_linear_s": t2 - t1,
                 "t_lbfgs_s": time.perf_counter() - t2})
    return potential, info
