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

from ..errors import ConfigError
from ._linear_kernels import term_gradients
from .base import ModelBase


class LinearModel(ModelBase):
    """Per-element linear model in the descriptor, with a per-element constant.

    Parameters
    ----------
    species : list of str
        Elements, one coefficient row each (order of the LAMMPS files).
    quadratic : bool
        Add the pairwise products B_k B_l (k ≤ l) as terms (qSNAP).

    Attributes
    ----------
    coef_ : ndarray, shape (n_species, 1 + n_terms)
        β0, β, (γ) of each element, in LAMMPS ``.snapcoeff`` order.
    """

    name: ClassVar[str] = "linear"
    trainer: ClassVar[str] = "least_squares"
    _parameter_constraints: ClassVar[dict] = {
        **ModelBase._parameter_constraints,
        "quadratic": (bool, lambda v: True, "true or false"),
    }

    def __init__(self, *, species: list[str], quadratic: bool = False):
        self.species = species
        self.quadratic = quadratic

    # --- terms and columns -------------------------------------------------------------------
    def n_terms(self, n_features: int) -> int:
        """Terms per element besides the constant: n_features (+ n_features(n_features+1)/2)."""
        return n_features + (n_features * (n_features + 1) // 2 if self.quadratic else 0)

    def n_columns(self, n_features: int) -> int:
        """Coefficients in all: (1 + n_terms) per element."""
        return len(self.species) * (1 + self.n_terms(n_features))

    def constant_columns(self, n_features: int) -> np.ndarray:
        """The β0 column of each element."""
        return np.arange(len(self.species), dtype=np.int64) * (1 + self.n_terms(n_features))

    def expand(self, values: np.ndarray) -> np.ndarray:
        """Model terms of each atom, shape (n_atoms, n_terms): B, then ½B_k² / B_k B_l (k ≤ l)."""
        if not self.quadratic:
            return values
        k, l = np.triu_indices(values.shape[1])
        prod = values[:, k] * values[:, l]  # (n_atoms, n_pairs_kl)
        prod[:, k == l] *= 0.5
        return np.concatenate([values, prod], axis=1)

    def energy_row(self, values: np.ndarray, numbers: np.ndarray) -> np.ndarray:
        """Σ_i [1, t(B_i)] in the block of the element of i, shape (n_columns,)."""
        nf = values.shape[1]
        block = 1 + self.n_terms(nf)
        elem = self.element_index(numbers)
        terms = self.expand(values)  # (n_atoms, n_terms)
        row = np.zeros(self.n_columns(nf))
        for e in np.unique(elem):
            rows = elem == e
            row[e * block] = rows.sum()
            row[e * block + 1:(e + 1) * block] = terms[rows].sum(axis=0)
        return row

    def row_gradients(self, output) -> tuple[np.ndarray, np.ndarray]:
        """∂(Σ_i t(B_i))/∂r_j (n_atoms, 3, n_columns) and the virial (3, 3, n_columns)."""
        if output.grad is None:
            raise ValueError("descriptor output has no gradients; compute with gradients=True")
        nf = output.n_features
        starts = self.element_index(output.numbers) * (1 + self.n_terms(nf))
        return term_gradients(output.values, output.pairs, output.grad, output.vectors, starts + 1,
                              self.quadratic, output.n_atoms, self.n_columns(nf))

    # --- learned state -----------------------------------------------------------------------
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

    def set_coefficient_vector(self, w: np.ndarray) -> "LinearModel":
        """Set :attr:`coef_` from the flat least-squares solution w (n_columns,)."""
        return self.set_coefficients(np.asarray(w).reshape(len(self.species), -1))

    def fitted_arrays(self) -> dict[str, np.ndarray]:
        return {"coef": self.coef_} if hasattr(self, "coef_") else {}

    def load_arrays(self, arrays: dict[str, np.ndarray]) -> "LinearModel":
        return self.set_coefficients(arrays["coef"])

    @property
    def reference_energies_(self) -> dict[str, float]:
        """β0 of each element, eV: the energy of an atom whose descriptor is zero."""
        self._check_fitted()
        return {s: float(self.coef_[e, 0]) for e, s in enumerate(self.species)}

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


class QuadraticModel(LinearModel):
    """:class:`LinearModel` with the pairwise products of the descriptor (qSNAP)."""

    name: ClassVar[str] = "quadratic"

    def __init__(self, *, species: list[str], quadratic: bool = True):
        super().__init__(species=species, quadratic=quadratic)


def _n_features_for(n_terms: int, quadratic: bool) -> int | None:
    if not quadratic:
        return n_terms if n_terms > 0 else None
    nf = int(round((np.sqrt(9 + 8 * n_terms) - 3) / 2))
    return nf if nf > 0 and nf + nf * (nf + 1) // 2 == n_terms else None
