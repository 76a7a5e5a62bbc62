"""Linear (SNAP) and quadratic (qSNAP) models of per-atom energies in descriptor space.

For an atom i of element e with descriptor B_i (n_features components):

    linear:     E_i = β0_e + Σ_k β_ek B_ik
    quadratic:  E_i = β0_e + Σ_k β_ek B_ik + Σ_k ½ γ_ekk B_ik² + Σ_{k<l} γ_ekl B_ik B_il

which is LAMMPS ``pair_style snap`` with ``quadraticflag 0/1`` (Wood & Thompson, J. Chem. Phys. 148,
241721 (2018), eq. 5). The coefficients of one element form one row of :attr:`coef_` in LAMMPS
``.snapcoeff`` order: β0, the β_k, then the γ_kl with k ≤ l row-major. β0 is the fitted reference
energy of the element (:attr:`reference_energies_`).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from ..errors import ConfigError, NotFittedError


class LinearModel:
    """Per-element linear model in the descriptor, with a per-element constant.

    Parameters
    ----------
    species : list of str
        Elements, one coefficient row each (order of the LAMMPS files).
    quadratic : bool
        Add the pairwise products B_k B_l (k ≤ l) as terms (qSNAP).
    """

    name: ClassVar[str] = "linear"
    #: Declarative hyperparameter checks: name → (type, predicate, description).
    _parameter_constraints: ClassVar[dict] = {
        "species": (list, lambda v: len(v) > 0 and len(set(v)) == len(v) and all(isinstance(s, str) for s in v),
                    "a non-empty list of distinct element symbols"),
        "quadratic": (bool, lambda v: True, "true or false"),
    }

    def __init__(self, *, species, quadratic: bool = False):
        self.species = species
        self.quadratic = quadratic

    # --- hyperparameters -------------------------------------------------------------------
    def validate_params(self) -> None:
        """Check every hyperparameter against :attr:`_parameter_constraints`."""
        for key, (kind, ok, text) in self._parameter_constraints.items():
            value = getattr(self, key)
            if not isinstance(value, kind) or not ok(value):
                raise ConfigError(f"{type(self).__name__}: {key} must be {text}, got {value!r}")

    def n_terms(self, n_features: int) -> int:
        """Terms per element besides the constant: n_features (+ n_features(n_features+1)/2)."""
        return n_features + (n_features * (n_features + 1) // 2 if self.quadratic else 0)

    def n_columns(self, n_features: int) -> int:
        """Columns of the design matrix: (1 + n_terms) per element."""
        return len(self.species) * (1 + self.n_terms(n_features))

    def expand(self, values: np.ndarray) -> np.ndarray:
        """Model terms of each atom, shape (n_atoms, n_terms): B, then ½B_k² / B_k B_l (k ≤ l)."""
        if not self.quadratic:
            return values
        k, l = np.triu_indices(values.shape[1])
        prod = values[:, k] * values[:, l]  # (n_atoms, n_pairs_kl)
        prod[:, k == l] *= 0.5
        return np.concatenate([values, prod], axis=1)

    # --- fitting ---------------------------------------------------------------------------
    def set_coefficients(self, coef: np.ndarray) -> "LinearModel":
        """Set :attr:`coef_` (n_species, 1 + n_terms) directly (e.g. from LAMMPS files)."""
        self.validate_params()
        coef = np.array(coef, dtype=float)
        if coef.ndim != 2 or coef.shape[0] != len(self.species):
            raise ConfigError(f"coefficients must have shape (n_species={len(self.species)}, n), got {coef.shape}")
        nf = _n_features_for(coef.shape[1] - 1, self.quadratic)
        if nf is None:
            raise ConfigError(f"{coef.shape[1]} coefficients per element do not fit a "
                              f"{'quadratic' if self.quadratic else 'linear'} model")
        self.coef_ = coef
        self.n_features_in_ = nf
        return self

    def fit(self, design, **solver_options) -> "LinearModel":
        """Solve the weighted least-squares problem of ``design`` (a :class:`DesignMatrix`).

        ``solver_options`` go to :func:`atomforge.fitting.solvers.solve_least_squares`.
        """
        from ..fitting.solvers import solve_least_squares

        self.validate_params()
        result = solve_least_squares(design.blocks, n_columns=design.n_columns,
                                     unregularized=design.constant_columns, **solver_options)
        self.set_coefficients(result.coef.reshape(len(self.species), -1))
        self.fit_info_ = result.info
        return self

    @property
    def reference_energies_(self) -> dict[str, float]:
        """β0 of each element, eV: the energy of an atom whose descriptor is zero."""
        self._check_fitted()
        return {s: float(self.coef_[e, 0]) for e, s in enumerate(self.species)}

    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit() first")

    # --- prediction ------------------------------------------------------------------------
    def predict(self, values: np.ndarray, numbers: np.ndarray):
        """Per-atom energies and their descriptor derivatives.

        Parameters
        ----------
        values : ndarray, shape (n_atoms, n_features)
        numbers : ndarray, shape (n_atoms,), int
            Atomic numbers of the atoms.

        Returns
        -------
        energies : ndarray, shape (n_atoms,), eV
        dE_dB : ndarray, shape (n_atoms, n_features), eV per feature unit
            ∂E_i/∂B_i, including the quadratic terms.
        """
        self._check_fitted()
        if values.shape[1] != self.n_features_in_:
            raise ConfigError(f"descriptor has {values.shape[1]} features, model expects {self.n_features_in_}")
        elem = self.element_index(numbers)
        nf = values.shape[1]
        energies = np.empty(len(values))
        dE_dB = np.empty_like(values)
        for e in np.unique(elem):
            rows = elem == e
            b = values[rows]  # (n_e, n_features)
            beta0, beta = self.coef_[e, 0], self.coef_[e, 1:1 + nf]
            energies[rows] = beta0 + b @ beta
            dE_dB[rows] = beta
            if self.quadratic:
                gamma = np.zeros((nf, nf))
                k, l = np.triu_indices(nf)
                gamma[k, l] = self.coef_[e, 1 + nf:]
                gamma[l, k] = self.coef_[e, 1 + nf:]  # diagonal: ½γ_kk B_k² has derivative γ_kk B_k
                gb = b @ gamma  # (n_e, n_features)
                energies[rows] += 0.5 * np.einsum("ak,ak->a", gb, b)
                dE_dB[rows] += gb
        return energies, dE_dB

    def element_index(self, numbers: np.ndarray) -> np.ndarray:
        """Row of :attr:`coef_` for each atom; a clear error for an element the model lacks."""
        from ase.data import atomic_numbers

        table = np.full(119, -1, dtype=np.int64)
        for e, s in enumerate(self.species):
            table[atomic_numbers[s]] = e
        elem = table[np.asarray(numbers)]
        if (elem < 0).any():
            from ase.data import chemical_symbols

            bad = sorted({chemical_symbols[z] for z in np.asarray(numbers)[elem < 0]})
            raise ConfigError(f"the model has no coefficients for {bad}; it knows {self.species}")
        return elem

    # --- persistence -----------------------------------------------------------------------
    def to_dict(self) -> tuple[dict, dict[str, np.ndarray]]:
        spec = {"name": self.name, "species": list(self.species), "quadratic": bool(self.quadratic)}
        arrays = {"coef": self.coef_} if hasattr(self, "coef_") else {}
        return spec, arrays

    @classmethod
    def from_dict(cls, spec: dict, arrays: dict[str, np.ndarray]) -> "LinearModel":
        spec = dict(spec)
        model = MODELS[spec.pop("name", cls.name)](**spec)
        if "coef" in arrays:
            model.set_coefficients(arrays["coef"])
        return model


class QuadraticModel(LinearModel):
    """:class:`LinearModel` with the pairwise products of the descriptor (qSNAP)."""

    name: ClassVar[str] = "quadratic"

    def __init__(self, *, species, quadratic: bool = True):
        super().__init__(species=species, quadratic=quadratic)


def _n_features_for(n_terms: int, quadratic: bool) -> int | None:
    if not quadratic:
        return n_terms if n_terms > 0 else None
    nf = int(round((np.sqrt(9 + 8 * n_terms) - 3) / 2))
    return nf if nf > 0 and nf + nf * (nf + 1) // 2 == n_terms else None


#: Model registry: config name → class.
MODELS: dict[str, type[LinearModel]] = {"linear": LinearModel, "quadratic": QuadraticModel}


def make_model(spec: dict) -> LinearModel:
    """Build a model from ``{"name": ..., **hyperparameters}``."""
    spec = dict(spec)
    name = spec.pop("name", None)
    if name not in MODELS:
        raise ConfigError(f"unknown model {name!r}; known: {sorted(MODELS)}")
    return MODELS[name](**spec)
