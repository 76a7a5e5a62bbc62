"""The Model protocol: per-atom energies from descriptor values, and what least squares needs.

A model maps the descriptor B_i of each atom to its energy E_i. ``predict`` returns E_i and
∂E_i/∂B_i; the shared chain rule (:mod:`atomforge.chain_rule`) turns the latter into forces and
stress, so no model computes forces itself. Models know nothing of files or solvers: a model's
``trainer`` names the entry of :data:`atomforge.fitting.trainers.TRAINERS` that fits it.

Models follow scikit-learn's estimator conventions: ``__init__`` takes keyword-only
hyperparameters (``species`` first) and only stores them; learned attributes end in ``_``; using a
model before it is fitted raises :class:`~atomforge.errors.NotFittedError`.
"""

from __future__ import annotations

from typing import ClassVar, Protocol, runtime_checkable

import numpy as np

from ..errors import ConfigError, NotFittedError
from ..hyperparameters import check_keys, hyperparameters, jsonable


@runtime_checkable
class Model(Protocol):
    """What every descriptor-based model provides (registry: ``atomforge.models.MODELS``)."""

    name: ClassVar[str]
    trainer: ClassVar[str]
    species: list[str]

    def predict(self, values: np.ndarray, numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Energies (n_atoms,) eV and ∂E_i/∂B_i (n_atoms, n_features) from values (n_atoms, n_features)."""

    def to_dict(self) -> tuple[dict, dict[str, np.ndarray]]:
        """JSON-safe spec (``name`` and hyperparameters) and the learned arrays."""

    @classmethod
    def from_dict(cls, spec: dict, arrays: dict[str, np.ndarray]) -> "Model": ...


@runtime_checkable
class LinearInCoefficients(Protocol):
    """A model whose energy is linear in its coefficient vector w: E_i = a_i · w.

    This is what the least-squares trainer needs; the model owns the layout of w (for example one
    block per element: a constant, then the terms of the descriptor).
    """

    def n_columns(self, n_features: int) -> int:
        """Length of w."""

    def constant_columns(self, n_features: int) -> np.ndarray:
        """Indices (int64) of the columns that are constants (not regularised by a ridge)."""

    def energy_row(self, values: np.ndarray, numbers: np.ndarray) -> np.ndarray:
        """Σ_i a_i, shape (n_columns,): the structure's energy is this row · w."""

    def row_gradients(self, output) -> tuple[np.ndarray, np.ndarray]:
        """∂(Σ_i a_i)/∂r_j, shape (n_atoms, 3, n_columns), 1/Å, and the virial
        Σ_p ∂a_i/∂r_j ⊗ d_p, shape (3, 3, n_columns), of a DescriptorOutput with gradients."""

    def set_coefficient_vector(self, w: np.ndarray):
        """Set the learned coefficients from w (n_columns,); returns self."""


class ModelBase:
    """Hyperparameter handling, persistence and element lookup shared by models.

    Subclasses define ``name``, ``trainer``, ``__init__(*, species, ...)``, ``predict``,
    :meth:`fitted_arrays` and :meth:`load_arrays`, and may declare ``_parameter_constraints``:
    name → (type, predicate, description), checked by :meth:`validate_params`.
    """

    name: ClassVar[str]
    trainer: ClassVar[str]
    _parameter_constraints: ClassVar[dict] = {
        "species": (list, lambda v: len(v) > 0 and len(set(v)) == len(v) and all(isinstance(s, str) for s in v),
                    "a non-empty list of distinct element symbols"),
    }

    def validate_params(self) -> None:
        """Check every hyperparameter against :attr:`_parameter_constraints`."""
        for key, (kind, ok, text) in self._parameter_constraints.items():
            value = getattr(self, key)
            if not isinstance(value, kind) or not ok(value):
                raise ConfigError(f"{type(self).__name__}: {key} must be {text}, got {value!r}")

    # --- learned state -----------------------------------------------------------------------
    @property
    def is_fitted(self) -> bool:
        return bool(self.fitted_arrays())

    def fitted_arrays(self) -> dict[str, np.ndarray]:
        """The learned arrays by name (empty before fitting)."""
        raise NotImplementedError

    def load_arrays(self, arrays: dict[str, np.ndarray]):
        """Set the learned state from :meth:`fitted_arrays` output; returns self."""
        raise NotImplementedError

    def _check_fitted(self) -> None:
        if not self.is_fitted:
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; fit it first "
                                 "(atomforge fit, or atomforge.fitting.fit_dataset)")

    # --- persistence ---------------------------------------------------------------------------
    def to_dict(self) -> tuple[dict, dict[str, np.ndarray]]:
        spec = {"name": self.name, **{k: jsonable(getattr(self, k)) for k in hyperparameters(type(self))}}
        return spec, self.fitted_arrays()

    @classmethod
    def from_dict(cls, spec: dict, arrays: dict[str, np.ndarray]):
        spec = {k: v for k, v in spec.items() if k != "name"}
        check_keys(cls.__name__, spec, hyperparameters(cls))
        model = cls(**spec)
        return model.load_arrays(arrays) if arrays else model

    def __repr__(self) -> str:
        spec, _ = self.to_dict()
        return f"{type(self).__name__}(" + ", ".join(f"{k}={v!r}" for k, v in spec.items() if k != "name") + ")"

    # --- elements ------------------------------------------------------------------------------
    def element_index(self, numbers: np.ndarray) -> np.ndarray:
        """Index in ``species`` of each atom (n_atoms,) int64; a clear error for an unknown element."""
        from ase.data import atomic_numbers, chemical_symbols

        table = np.full(119, -1, dtype=np.int64)
        for e, s in enumerate(self.species):
            table[atomic_numbers[s]] = e
        elem = table[np.asarray(numbers)]
        if (elem < 0).any():
            bad = sorted({chemical_symbols[z] for z in np.asarray(numbers)[elem < 0]})
            raise ConfigError(f"the model has no coefficients for {bad}; it knows {self.species}")
        return elem
