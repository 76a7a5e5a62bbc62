"""Finnis–Sinclair model: a nonlinear embedding of several linear densities of the descriptor.

For an atom i of element e with descriptor B_i (Lysogorskiy et al., npj Comput. Mater. 7, 97
(2021), eq. 4; the ``FinnisSinclairShiftedScaled`` embedding of ML-PACE, :mod:`.embedding`):

    ρ_ip = Σ_k c_epk B_ik,     E_i = E0_e + Σ_p s_p F_{m_p}(ρ_ip)

with ``fs_parameters`` = [s_0, m_0, s_1, m_1, ...] as in a ``.yace`` file's embedding. The default
[1, 1, 1, 0.5] is E_i = E0 + ρ_1 + F_½(ρ_2): a linear term and a square-root-like bond-order term.
With an ACE descriptor this is ML-PACE's FS ACE (``pair_style pace``;
:mod:`atomforge.lammps.yace` writes and reads it). It is fitted by the gradient-based trainer
``finnis_sinclair`` (:mod:`atomforge.fitting.finnis_sinclair`), starting from a linear fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from ..errors import ConfigError
from .base import ModelBase
from .embedding import fs_embedding


def _valid_fs_parameters(v) -> bool:
    return (len(v) >= 2 and len(v) % 2 == 0 and all(isinstance(x, (int, float)) for x in v)
            and all(0 < m <= 1 for m in v[1::2]))


class FinnisSinclairModel(ModelBase):
    """Per-element densities c_epk (n_densities per element) through the FS embedding.

    Parameters
    ----------
    species : list of str
    fs_parameters : sequence of float
        [s_0, m_0, s_1, m_1, ...]: scale and exponent (0 < m ≤ 1) of each density's embedding.

    Attributes
    ----------
    coef_ : ndarray, shape (n_species, n_densities, n_features)
        c_epk, eV per feature unit (densities are energies here: F is dimensionless in ρ/eV).
    e0_ : ndarray, shape (n_species,), eV
        Per-element reference energy.
    """

    name: ClassVar[str] = "finnis_sinclair"
    trainer: ClassVar[str] = "finnis_sinclair"
    _parameter_constraints: ClassVar[dict] = {
        **ModelBase._parameter_constraints,
        "fs_parameters": (list, _valid_fs_parameters,
                          "an even-length list [s_0, m_0, s_1, m_1, ...] with exponents 0 < m ≤ 1"),
    }

    def __init__(self, *, species: list[str], fs_parameters: Sequence[float] = (1.0, 1.0, 1.0, 0.5)):
        self.species = species
        self.fs_parameters = list(fs_parameters)

    @property
    def scales(self) -> np.ndarray:
        """s_p, shape (n_densities,)."""
        return np.asarray(self.fs_parameters[0::2], dtype=float)

    @property
    def exponents(self) -> np.ndarray:
        """m_p, shape (n_densities,)."""
        return np.asarray(self.fs_parameters[1::2], dtype=float)

    @property
    def n_densities(self) -> int:
        return len(self.fs_parameters) // 2

    # --- learned state -----------------------------------------------------------------------
    def set_parameters(self, e0: np.ndarray, coef: np.ndarray) -> "FinnisSinclairModel":
        """Set :attr:`e0_` (n_species,) and :attr:`coef_` (n_species, n_densities, n_features)."""
        self.validate_params()
        e0, coef = np.array(e0, dtype=float), np.array(coef, dtype=float)
        want = (len(self.species), self.n_densities)
        if e0.shape != want[:1] or coef.ndim != 3 or coef.shape[:2] != want:
            raise ConfigError(f"FinnisSinclairModel: e0 must have shape {want[:1]} and coef "
                              f"{want + ('n_features',)}, got {e0.shape} and {coef.shape}")
        self.e0_, self.coef_ = e0, coef
        self.n_features_in_ = coef.shape[2]
        return self

    def fitted_arrays(self) -> dict[str, np.ndarray]:
        return {"e0": self.e0_, "coef": self.coef_} if hasattr(self, "coef_") else {}

    def load_arrays(self, arrays: dict[str, np.ndarray]) -> "FinnisSinclairModel":
        return self.set_parameters(arrays["e0"], arrays["coef"])

    @property
    def reference_energies_(self) -> dict[str, float]:
        """E0 of each element, eV: the energy of an atom whose descriptor is zero."""
        self._check_fitted()
        return {s: float(self.e0_[e]) for e, s in enumerate(self.species)}

    # --- prediction ------------------------------------------------------------------------
    def densities(self, values: np.ndarray, elem: np.ndarray) -> np.ndarray:
        """ρ_ip, shape (n_atoms, n_densities), of values (n_atoms, n_features) and element indices."""
        return np.einsum("apk,ak->ap", self.coef_[elem], values)

    def predict(self, values: np.ndarray, numbers: np.ndarray):
        """Per-atom energies (n_atoms,) eV and ∂E_i/∂B_i (n_atoms, n_features) = Σ_p s_p F'(ρ_ip) c_epk."""
        self._check_fitted()
        if values.shape[1] != self.n_features_in_:
            raise ConfigError(f"descriptor has {values.shape[1]} features, model expects {self.n_features_in_}")
        elem = self.element_index(numbers)
        rho = self.densities(values, elem)  # (n_atoms, n_densities)
        energies = self.e0_[elem].copy()
        slopes = np.empty_like(rho)
        for p, (s, m) in enumerate(zip(self.scales, self.exponents)):
            f, df, _ = fs_embedding(rho[:, p], m)
            energies += s * f
            slopes[:, p] = s * df
        return energies, np.einsum("ap,apk->ak", slopes, self.coef_[elem])
