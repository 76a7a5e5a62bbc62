"""The sparse-GP path of ``atomforge fit`` (``model: {name: gpr, ...}``) on any registered descriptor.

1. Descriptor values of every training atom (no gradients); per-element standardisation and one
   reference energy per element (least squares of the energies on the element counts).
2. Inducing environments per element by farthest-point sampling or CUR (:mod:`.select`).
3. Hyperparameters ℓ, σ and the noises by maximising the log marginal likelihood (:mod:`.likelihood`)
   of the energies of every frame and the forces (stresses) of a random subset of ``opt_frames``
   frames, with the first ``opt_sparse`` inducing environments of each element.
4. α and the posterior factors from all frames, streamed: the rows Σ^(−½)[K | y] and the rows
   [Lᵀ | 0] (L Lᵀ = Kmm) go through the tall-skinny QR of the least-squares solver, so
   RᵀR = Kmm + KᵀΣ⁻¹K = A and α = R⁻¹Qᵀy; memory stays O(M²) however large the data set.

Rows are those of the linear models (:func:`atomforge.fitting.linear.design.frame_rows`: energy per
atom, forces, stress in GPa) with the GP's :class:`~atomforge.models.gaussian_process.KernelColumns`.
The ``weights`` section says which kinds are fitted (weight > 0); group and frame multipliers divide
the noise of their rows. The noises themselves are hyperparameters of the model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy import linalg

from ...errors import ConfigError
from ...models.gaussian_process import HYPERPARAMETERS, GaussianProcessModel, KernelColumns
from ..linear.design import frame_rows
from ..linear.solvers import triangular_factor
from ..weights import ENERGY, FitWeights
from .likelihood import maximize_likelihood
from .select import select_inducing


class _Baseline:
    """What the GP does not model: reference energy per element and the pair term (ZBL)."""

    def __init__(self, model: GaussianProcessModel, pair):
        self.model, self.pair = model, pair

    def evaluate(self, atoms):
        energies = self.model.reference_energies_[self.model.element_index(atoms.numbers)]
        forces, stress = np.zeros((len(atoms), 3)), np.zeros(6)
        if self.pair is not None:
            pe, pf, ps = self.pair.evaluate(atoms)
            energies, forces = energies + pe, forces + pf
            stress = stress + ps if ps is not None else stress
        return energies, forces, stress


def _prefix_model(model: GaussianProcessModel, n: int) -> GaussianProcessModel:
    """A copy of ``model``'s basis with the first ``n`` inducing environments of each element."""
    keep = np.concatenate([np.flatnonzero(model.inducing_species_ == e)[:n] for e in range(len(model.species))])
    spec, _ = model.to_dict()
    sub = GaussianProcessModel.from_dict(spec, {})
    return sub.set_basis(model.reference_energies_, model.feature_mean_, model.feature_scale_,
                         model.inducing_[keep], model.inducing_species_[keep], model.hyperparameters_)


class _Rows:
    """Selected rows of one frame: observations, kinds and noise multipliers."""

    def __init__(self, rows, fitted_kinds: np.ndarray, groups: FitWeights):
        mult = groups.row_weights(rows.kinds, rows.group, rows.weight)
        self.keep = fitted_kinds[rows.kinds] & (mult > 0)
        self.a, self.y = rows.a[self.keep], rows.y[self.keep]
        self.kinds, self.mult = rows.kinds[self.keep], mult[self.keep]


@dataclass
class _Selection:
    """Which rows a fit uses: kinds with weight > 0, group/frame noise multipliers, stress or not."""

    kinds: np.ndarray
    groups: FitWeights
    stress: bool

    def rows(self, columns, frame, output, baseline, *, energy: bool = True) -> _Rows:
        kinds = self.kinds & np.array([energy, True, True])
        return _Rows(frame_rows(columns, frame, output, baseline, stress=self.stress), kinds, self.groups)


def fit_gpr(train, config, base=None, *, progress_factory=None):
    """Trainer entry (:data:`atomforge.fitting.trainers.TRAINERS`): fit ``config``'s GP to ``train``.

    Returns (potential, info) with the inducing counts, hyperparameters, likelihood and timings.
    """
    from ..fit import build_potential_parts

    species = list(config.species) if config.species else train.species
    potential = build_potential_parts(config, species)
    descriptor, model = potential.descriptor, potential.model
    if not isinstance(model, GaussianProcessModel):
        raise ConfigError(f"model {model.name!r} is not a Gaussian process; the gpr trainer cannot fit it")
    model.validate_params()
    frames = list(train)
    if not frames:
        raise ConfigError("gpr: no training frames")
    w = config.weights
    selection = _Selection(np.array([w.energy > 0, w.force > 0, w.stress > 0]),
                           FitWeights(1.0, 1.0, 1.0, dict(w.groups)), w.stress > 0)

    def bar(desc):
        return progress_factory(desc, len(frames)) if progress_factory is not None else None

    t0 = time.perf_counter()
    values, numbers = _set_basis(model, descriptor, potential.pair, frames, bar("descriptor values"))
    initial = model.hyperparameters_.copy()
    baseline = _Baseline(model, potential.pair)
    t1 = time.perf_counter()
    opt_info = {}
    if model.optimize and model.opt_iter > 0:
        theta, opt_info = _optimize(model, descriptor, frames, values, numbers, baseline, selection)
        model.hyperparameters_ = np.exp(theta)
    t2 = time.perf_counter()
    n_rows = _set_posterior(model, descriptor, frames, baseline, selection, bar("kernel rows"))
    t3 = time.perf_counter()
    info = {"n_sparse": {s: int((model.inducing_species_ == e).sum()) for e, s in enumerate(species)},
            "n_rows": n_rows, "hyperparameters": dict(zip(HYPERPARAMETERS, map(float, model.hyperparameters_))),
            "initial_hyperparameters": dict(zip(HYPERPARAMETERS, map(float, initial))),
            "likelihood": opt_info, "t_select_s": t1 - t0, "t_hyperparameters_s": t2 - t1, "t_posterior_s": t3 - t2}
    return potential, info


def _set_basis(model, descriptor, pair, frames, progress):
    """Steps 1-2: reference energies, standardisation, inducing environments and the initial
    hyperparameters of ``model``; returns the descriptor values and atomic numbers of each frame."""
    n_species = len(model.species)
    values, numbers, counts, energies = [], [], [], []
    for frame in frames:
        out = descriptor.compute(frame)
        values.append(out.values)
        numbers.append(out.numbers)
        if frame.energy is not None:
            pe = pair.evaluate(frame.atoms)[0].sum() if pair is not None else 0.0
            counts.append(np.bincount(model.element_index(out.numbers), minlength=n_species))
            energies.append(frame.energy - pe)
        if progress is not None:
            progress(1)
    all_values, all_elem = np.vstack(values), model.element_index(np.concatenate(numbers))
    reference, residual_per_atom = np.zeros(n_species), np.zeros(1)
    if counts:
        c, e = np.array(counts, dtype=float), np.array(energies)
        reference = np.linalg.lstsq(c, e, rcond=None)[0]
        residual_per_atom = (e - c @ reference) / c.sum(1)
    nf = all_values.shape[1]
    mean, scale = np.zeros((n_species, nf)), np.ones((n_species, nf))
    inducing, inducing_species = [], []
    for s in range(n_species):
        v = all_values[all_elem == s]
        if len(v) == 0:
            continue
        mean[s] = v.mean(0)
        sd = v.std(0)
        scale[s] = np.where(sd > 1e-12 * max(1.0, float(np.abs(v).max())), sd, 1.0)
        x = (v - mean[s]) / scale[s]
        idx = select_inducing(x, model.n_sparse, model.selection, model.seed)
        inducing.append(x[idx])
        inducing_species.append(np.full(len(idx), s, dtype=np.int64))
    z, z_species = np.vstack(inducing), np.concatenate(inducing_species)
    length0 = model.length_scale or _initial_length(model.kernel, z, z_species)
    signal0 = model.signal_std or max(float(np.std(residual_per_atom)), 1e-2)
    model.set_basis(reference, mean, scale, z, z_species,
                    [length0, signal0, model.noise_energy, model.noise_force, model.noise_stress])
    return values, numbers


def _set_posterior(model, descriptor, frames, baseline, selection, progress) -> int:
    """Step 4: α and the factors of Kmm and A from every frame's rows, streamed; returns the row count."""
    m = len(model.inducing_)
    signal = model.hyperparameters_[1]
    kmm = model.terms(model.inducing_, model.inducing_species_).k + model.jitter * signal**2 * np.eye(m)
    kmm_factor = linalg.cholesky(kmm, lower=True, check_finite=False)
    noise = model.hyperparameters_[2:]
    columns = KernelColumns(model)
    n_rows = [0]

    def blocks(block_rows=max(2 * m, 8192)):
        buf_a, buf_y, count = [], [], 0
        for frame in frames:
            r = selection.rows(columns, frame, descriptor.compute(frame, gradients=True), baseline)
            sigma = noise[r.kinds] / r.mult
            buf_a.append(r.a / sigma[:, None])
            buf_y.append(r.y / sigma)
            count += len(r.y)
            n_rows[0] += len(r.y)
            if progress is not None:
                progress(1)
            if count >= block_rows:
                yield np.vstack(buf_a), np.concatenate(buf_y)
                buf_a, buf_y, count = [], [], 0
        if buf_a:
            yield np.vstack(buf_a), np.concatenate(buf_y)
        yield kmm_factor.T, np.zeros(m)  # the prior: ‖Lᵀα‖² = αᵀ Kmm α

    r, _ = triangular_factor(blocks(), m)
    posterior_factor = r[:m, :m]
    alpha = linalg.solve_triangular(posterior_factor, r[:m, m], lower=False, check_finite=False)
    model.set_posterior(alpha, kmm_factor, posterior_factor)
    return n_rows[0]


def _optimize(model, descriptor, frames, values, numbers, baseline, selection: _Selection):
    """log θ maximising the marginal likelihood of the energies of every frame and the forces (and
    stresses) of ``opt_frames`` random frames, with the first ``opt_sparse`` inducing environments
    of each element; and the optimiser's info."""
    rng = np.random.default_rng(model.seed)
    subset = np.sort(rng.choice(len(frames), size=min(model.opt_frames, len(frames)), replace=False))
    sub_model = _prefix_model(model, model.opt_sparse)
    # energies: every frame (values only, cheap)
    energy_mult = [selection.groups.row_weights(np.array([ENERGY]), f.group, f.weight)[0] for f in frames]
    e_frames = [k for k, f in enumerate(frames) if selection.kinds[ENERGY] and f.energy is not None
                and energy_mult[k] > 0]
    y_e = [(frames[k].energy - baseline.evaluate(frames[k].atoms)[0].sum()) / len(values[k]) for k in e_frames]
    mult_e = [energy_mult[k] for k in e_frames]
    # forces and stresses: the subset
    sub_frames = [frames[i] for i in subset]
    outputs = [descriptor.compute(f, gradients=True) for f in sub_frames]
    first = [selection.rows(KernelColumns(sub_model, signal=1.0), f, o, baseline, energy=False)
             for f, o in zip(sub_frames, outputs)]
    y = np.concatenate([y_e] + [r.y for r in first])
    kinds = np.concatenate([np.full(len(y_e), ENERGY)] + [r.kinds for r in first]).astype(np.int64)
    mult = np.concatenate([mult_e] + [r.mult for r in first])
    theta0 = np.log(model.hyperparameters_)
    if not len(y):
        return theta0, {}

    def columns(length):
        cols = []
        for d in (False, True):
            kc = KernelColumns(sub_model, d_log_length=d, length=length, signal=1.0)
            energy = [kc.energy_row(values[k], numbers[k])[None] / len(values[k]) for k in e_frames]
            rest = [frame_rows(kc, f, o, baseline, stress=selection.stress).a[r.keep]
                    for f, o, r in zip(sub_frames, outputs, first)]
            cols.append(np.vstack(energy + rest))
        zz, zs = sub_model.inducing_, sub_model.inducing_species_
        kmm = sub_model.terms(zz, zs, length=length, signal=1.0).k
        dkmm = sub_model.terms(zz, zs, d_log_length=True, length=length, signal=1.0).k
        return cols[0], cols[1], kmm, dkmm

    theta, info = maximize_likelihood(theta0, columns, y, kinds, mult, model.jitter, model.opt_iter)
    info.update(n_frames_energy=len(e_frames), n_frames_forces=len(sub_frames), n_sparse=len(sub_model.inducing_))
    return theta, info


def _initial_length(kernel: str, z: np.ndarray, z_species: np.ndarray) -> float:
    """Start of ℓ: the median distance between inducing points of one element (SE), or the RMS
    norm of the standardised inducing points (polynomial)."""
    if kernel == "polynomial":
        return max(float(np.sqrt((z * z).sum(1).mean())), 1e-3)
    d = []
    for e in np.unique(z_species):
        ze = z[z_species == e][:200]
        i, j = np.triu_indices(len(ze), 1)
        d.append(np.sqrt(((ze[i] - ze[j]) ** 2).sum(1)))
    d = np.concatenate(d) if d else np.zeros(0)
    return max(float(np.median(d)), 1e-3) if len(d) else 1.0
