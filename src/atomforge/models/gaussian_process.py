"""Sparse Gaussian-process regression of per-atom energies (GAP-like) on any descriptor.

The energy of a structure is a sum of local energies, E = Σ_i [E0_e + f(x_i)], with x_i the
descriptor of atom i standardised per element (x = (B − μ_e)/s_e) and f a GP with a kernel
between atoms of one element (:mod:`.kernels`; atoms of different elements are uncorrelated).
With M inducing environments z_m (``inducing_``), the posterior mean is

    f(x) = Σ_m α_m k(x, z_m),

the subset-of-regressors / projected-process approximation (Quiñonero-Candela & Rasmussen,
JMLR 6, 1939 (2005), eqs. 16 and 20; Seeger et al., AISTATS 2003). Energies, forces and
stresses observed in training are linear functionals of f; their columns are
:class:`KernelColumns` (force columns through the sparse descriptor gradients), so at
prediction forces and stress go through the shared chain rule with ∂E_i/∂B_i = Σ_m α_m ∂k/∂B_i.

Predictive variance of any such functional with kernel vector k* and prior variance k** is
(projected process, ibid. eq. 21)

    var = k** − k*ᵀ Kmm⁻¹ k* + k*ᵀ A⁻¹ k*,   A = Kmm + Kₙₘᵀ Σ⁻¹ Kₙₘ,

kept as the Cholesky factor of Kmm (``kmm_factor_``) and a triangular R with RᵀR = A
(``posterior_factor_``). The trainer (:mod:`atomforge.fitting.gpr`) chooses z_m, the
hyperparameters and α.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from scipy import linalg

from ..errors import ConfigError
from . import kernels
from ._gp_kernels import scatter_pair_columns
from .base import ModelBase

#: Order of ``hyperparameters_``.
HYPERPARAMETERS = ("length_scale", "signal_std", "noise_energy", "noise_force", "noise_stress")


class GaussianProcessModel(ModelBase):
    """Sparse GP of per-atom energies with one reference energy per element.

    Parameters
    ----------
    species : list of str
    kernel : {"se", "polynomial"}
        Squared exponential, or polynomial (1 + x·z/ℓ²)^degree.
    degree : int
        Degree of the polynomial kernel.
    n_sparse : int
        Inducing environments per element (at most the distinct training environments).
    selection : {"fps", "cur"}
        Farthest-point sampling, or CUR leverage-score sampling, of the inducing environments.
    length_scale, signal_std : float or None
        Initial ℓ (standardised feature units) and σ (eV); None: from the data.
    noise_energy, noise_force, noise_stress : float
        Initial noise of energy per atom (eV/atom), force components (eV/Å), stress (GPa).
    optimize : bool
        Maximise the log marginal likelihood over ℓ, σ and the noises (L-BFGS).
    opt_frames, opt_sparse : int
        The marginal likelihood sees the energies of every training frame, the forces (and
        stresses) of ``opt_frames`` random ones, and the first ``opt_sparse`` inducing
        environments of each element.
    opt_iter : int
        Most L-BFGS iterations.
    jitter : float
        Added to the diagonal of Kmm, relative to σ².
    seed : int
        Seed of the subset and of CUR sampling.

    Attributes
    ----------
    reference_energies_ : ndarray (n_species,), eV
    feature_mean_, feature_scale_ : ndarray (n_species, n_features)
    inducing_ : ndarray (M, n_features), standardised; inducing_species_ : ndarray (M,) int64
    hyperparameters_ : ndarray (5,), :data:`HYPERPARAMETERS`
    alpha_ : ndarray (M,), weights of the kernel columns
    kmm_factor_ : ndarray (M, M), lower L with L Lᵀ = Kmm (+ jitter)
    posterior_factor_ : ndarray (M, M), upper R with RᵀR = A
    """

    name: ClassVar[str] = "gpr"
    trainer: ClassVar[str] = "gpr"
    _parameter_constraints: ClassVar[dict] = {
        **ModelBase._parameter_constraints,
        "kernel": (str, lambda v: v in ("se", "polynomial"), "'se' or 'polynomial'"),
        "degree": (int, lambda v: v >= 1, "an integer >= 1"),
        "n_sparse": (int, lambda v: v >= 1, "an integer >= 1"),
        "selection": (str, lambda v: v in ("fps", "cur"), "'fps' or 'cur'"),
        "length_scale": ((float, int, type(None)), lambda v: v is None or v > 0, "positive or null"),
        "signal_std": ((float, int, type(None)), lambda v: v is None or v > 0, "positive or null"),
        "noise_energy": ((float, int), lambda v: v > 0, "positive (eV/atom)"),
        "noise_force": ((float, int), lambda v: v > 0, "positive (eV/Å)"),
        "noise_stress": ((float, int), lambda v: v > 0, "positive (GPa)"),
        "optimize": (bool, lambda v: True, "true or false"),
        "opt_frames": (int, lambda v: v >= 1, "an integer >= 1"),
        "opt_sparse": (int, lambda v: v >= 1, "an integer >= 1"),
        "opt_iter": (int, lambda v: v >= 0, "an integer >= 0"),
        "jitter": ((float, int), lambda v: v >= 0, ">= 0"),
        "seed": (int, lambda v: True, "an integer"),
    }

    def __init__(self, *, species: list[str], kernel: str = "se", degree: int = 2, n_sparse: int = 500,
                 selection: str = "fps", length_scale: float | None = None, signal_std: float | None = None,
                 noise_energy: float = 0.002, noise_force: float = 0.05, noise_stress: float = 0.1,
                 optimize: bool = True, opt_frames: int = 30, opt_sparse: int = 200, opt_iter: int = 60,
                 jitter: float = 1e-6, seed: int = 0):
        self.species = species
        self.kernel = kernel
        self.degree = degree
        self.n_sparse = n_sparse
        self.selection = selection
        self.length_scale = length_scale
        self.signal_std = signal_std
        self.noise_energy = noise_energy
        self.noise_force = noise_force
        self.noise_stress = noise_stress
        self.optimize = optimize
        self.opt_frames = opt_frames
        self.opt_sparse = opt_sparse
        self.opt_iter = opt_iter
        self.jitter = jitter
        self.seed = seed

    # --- learned state -----------------------------------------------------------------------
    def set_basis(self, reference_energies, feature_mean, feature_scale, inducing, inducing_species,
                  hyperparameters) -> "GaussianProcessModel":
        """Set everything but the posterior (what :class:`KernelColumns` needs); returns self."""
        ns = len(self.species)
        self.reference_energies_ = np.asarray(reference_energies, dtype=float).reshape(ns)
        self.feature_mean_ = np.asarray(feature_mean, dtype=float)
        self.feature_scale_ = np.asarray(feature_scale, dtype=float)
        self.inducing_ = np.asarray(inducing, dtype=float)
        self.inducing_species_ = np.asarray(inducing_species, dtype=np.int64)
        self.hyperparameters_ = np.asarray(hyperparameters, dtype=float).reshape(len(HYPERPARAMETERS))
        nf = self.inducing_.shape[1]
        if self.feature_mean_.shape != (ns, nf) or self.feature_scale_.shape != (ns, nf) \
                or self.inducing_species_.shape != (len(self.inducing_),):
            raise ConfigError(f"GaussianProcessModel: inconsistent shapes of the learned arrays for "
                              f"{ns} species and {nf} features")
        return self

    def set_posterior(self, alpha, kmm_factor, posterior_factor) -> "GaussianProcessModel":
        """Set α (M,) and the factors of Kmm and A (M, M); returns self."""
        m = len(self.inducing_)
        self.alpha_ = np.asarray(alpha, dtype=float).reshape(m)
        self.kmm_factor_ = np.asarray(kmm_factor, dtype=float).reshape(m, m)
        self.posterior_factor_ = np.asarray(posterior_factor, dtype=float).reshape(m, m)
        return self

    _BASIS = ("reference_energies", "feature_mean", "feature_scale", "inducing", "inducing_species", "hyperparameters")
    _POSTERIOR = ("alpha", "kmm_factor", "posterior_factor")

    def fitted_arrays(self) -> dict[str, np.ndarray]:
        if not hasattr(self, "alpha_"):
            return {}
        return {k: getattr(self, k + "_") for k in self._BASIS + self._POSTERIOR}

    def load_arrays(self, arrays: dict[str, np.ndarray]) -> "GaussianProcessModel":
        self.set_basis(*(arrays[k] for k in self._BASIS))
        return self.set_posterior(*(arrays[k] for k in self._POSTERIOR))

    @property
    def n_features_in_(self) -> int:
        return self.inducing_.shape[1]

    # --- kernel terms --------------------------------------------------------------------------
    def standardize(self, values: np.ndarray, elem: np.ndarray) -> np.ndarray:
        """x = (B − μ_e)/s_e of each atom, shape (n_atoms, n_features)."""
        return (values - self.feature_mean_[elem]) / self.feature_scale_[elem]

    def terms(self, x: np.ndarray, elem: np.ndarray, *, d_log_length: bool = False,
              length: float | None = None, signal: float | None = None) -> kernels.KernelTerms:
        """Kernel terms (n_atoms, M) between atoms and inducing environments (zero across elements).

        ``length``/``signal`` override the fitted ℓ and σ (the trainer's marginal likelihood).
        """
        length = self.hyperparameters_[0] if length is None else length
        signal = self.hyperparameters_[1] if signal is None else signal
        m = len(self.inducing_)
        k, a, b = (np.zeros((len(x), m)) for _ in range(3))
        for e in np.unique(elem):
            rows, cols = np.flatnonzero(elem == e), np.flatnonzero(self.inducing_species_ == e)
            t = kernels.evaluate(self.kernel, x[rows], self.inducing_[cols], length, signal, self.degree, d_log_length)
            k[np.ix_(rows, cols)], a[np.ix_(rows, cols)], b[np.ix_(rows, cols)] = t.k, t.a, t.b
        return kernels.KernelTerms(k, a, b)

    def _check_input(self, values: np.ndarray) -> None:
        self._check_fitted()
        if values.shape[1] != self.n_features_in_:
            raise ConfigError(f"descriptor has {values.shape[1]} features, model expects {self.n_features_in_}")

    # --- prediction ----------------------------------------------------------------------------
    def predict(self, values: np.ndarray, numbers: np.ndarray):
        """Per-atom energies (n_atoms,) eV and ∂E_i/∂B_i (n_atoms, n_features), posterior mean."""
        self._check_input(values)
        elem = self.element_index(numbers)
        x = self.standardize(values, elem)
        t = self.terms(x, elem)
        energies = self.reference_energies_[elem] + t.k @ self.alpha_
        de_dx = kernels.x_gradient(t, x, self.inducing_, self.alpha_)
        return energies, de_dx / self.feature_scale_[elem]

    def predict_std(self, values: np.ndarray, numbers: np.ndarray) -> tuple[float, np.ndarray]:
        """Posterior standard deviations (eV) of the structure's energy (float) and of each local
        energy (n_atoms,), without observation noise."""
        self._check_input(values)
        elem = self.element_index(numbers)
        x = self.standardize(values, elem)
        k = self.terms(x, elem).k  # (n_atoms, M)
        length, signal = self.hyperparameters_[:2]
        prior_atoms = kernels.diagonal(self.kernel, x, length, signal, self.degree)
        prior_total = 0.0  # Σ_{i,i'} k(x_i, x_i') over atoms of one element, in row blocks
        for e in np.unique(elem):
            xe = x[elem == e]
            for start in range(0, len(xe), 1024):
                prior_total += kernels.evaluate(self.kernel, xe[start:start + 1024], xe, length, signal,
                                                self.degree).k.sum()
        ks = np.column_stack([k.T, k.sum(axis=0)])  # (M, n_atoms + 1): atoms, then the structure
        q = linalg.solve_triangular(self.kmm_factor_, ks, lower=True, check_finite=False)
        p = linalg.solve_triangular(self.posterior_factor_, ks, trans="T", lower=False, check_finite=False)
        var = np.append(prior_atoms, prior_total) - (q * q).sum(0) + (p * p).sum(0)
        std = np.sqrt(np.maximum(var, 0.0))
        return float(std[-1]), std[:-1]


class KernelColumns:
    """The GP energy as a model linear in α: the columns k(·, z_m) for design rows
    (:func:`atomforge.fitting.linear.design.frame_rows`), or their derivatives in log ℓ.

    Parameters
    ----------
    model : GaussianProcessModel with its basis set (:meth:`~GaussianProcessModel.set_basis`)
    d_log_length : bool
        Columns ∂k/∂log ℓ instead of k.
    length, signal : float, optional
        ℓ and σ to use instead of the model's.
    """

    def __init__(self, model: GaussianProcessModel, *, d_log_length: bool = False,
                 length: float | None = None, signal: float | None = None):
        self.model = model
        self.options = dict(d_log_length=d_log_length, length=length, signal=signal)

    def n_columns(self, n_features: int) -> int:
        return len(self.model.inducing_)

    def energy_row(self, values: np.ndarray, numbers: np.ndarray) -> np.ndarray:
        """Σ_i k(x_i, z_m), shape (M,)."""
        elem = self.model.element_index(numbers)
        return self.model.terms(self.model.standardize(values, elem), elem, **self.options).k.sum(axis=0)

    def row_gradients(self, output, max_block: int = 4_000_000) -> tuple[np.ndarray, np.ndarray]:
        """∂(Σ_i k(x_i, z_m))/∂r_j (n_atoms, 3, M), 1/Å·eV, and the virial (3, 3, M)."""
        if output.grad is None:
            raise ValueError("descriptor output has no gradients; compute with gradients=True")
        model = self.model
        elem = model.element_index(output.numbers)
        x = model.standardize(output.values, elem)
        t = model.terms(x, elem, **self.options)
        m = len(model.inducing_)
        zs = model.inducing_ / model.feature_scale_[model.inducing_species_]  # (M, n_features)
        xs = x / model.feature_scale_[elem]  # (n_atoms, n_features)
        out = np.zeros((output.n_atoms, 3, m))
        virial = np.zeros((3, 3, m))
        step = max(1, max_block // (3 * max(m, 1)))
        for start in range(0, len(output.pairs), step):
            sl = slice(start, start + step)
            pairs, grad = output.pairs[sl], output.grad[sl]  # grad (n_block, n_features, 3)
            zg = (grad.transpose(0, 2, 1).reshape(-1, zs.shape[1]) @ zs.T).reshape(len(pairs), 3, m)
            xg = np.einsum("pkc,pk->pc", grad, xs[pairs[:, 0]])  # (n_block, 3)
            scatter_pair_columns(pairs, np.ascontiguousarray(output.vectors[sl]), t.a, t.b,
                                 np.ascontiguousarray(zg), xg, out, virial)
        return out, virial
