"""A small model for tests that must not depend on a production model.

``TanhModel``: E_i = c0_e + Σ_k c_ek tanh(B_ik / s) for an atom of element e: linear in its
coefficients, so the least-squares trainer fits it, but not in the descriptor.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from atomforge.models import ModelBase


class TanhModel(ModelBase):
    name: ClassVar[str] = "toy-tanh"
    trainer: ClassVar[str] = "least_squares"

    def __init__(self, *, species: list[str], scale: float = 1.0):
        self.species = species
        self.scale = scale

    def n_columns(self, n_features: int) -> int:
        return len(self.species) * (1 + n_features)

    def constant_columns(self, n_features: int) -> np.ndarray:
        return np.arange(len(self.species), dtype=np.int64) * (1 + n_features)

    def energy_row(self, values, numbers):
        nf = values.shape[1]
        elem = self.element_index(numbers)
        row = np.zeros(self.n_columns(nf))
        for e in range(len(self.species)):
            row[e * (1 + nf)] = np.sum(elem == e)
            row[e * (1 + nf) + 1:(e + 1) * (1 + nf)] = np.tanh(values[elem == e] / self.scale).sum(axis=0)
        return row

    def row_gradients(self, output):
        nf, n = output.n_features, output.n_atoms
        elem = self.element_index(output.numbers)
        slope = (1.0 - np.tanh(output.values / self.scale) ** 2) / self.scale  # (n_atoms, n_features)
        centers, neighbors = output.pairs[:, 0], output.pairs[:, 1]
        contrib = slope[centers][:, :, None] * output.grad  # (n_pairs, n_features, 3)
        dt = np.zeros((n, 3, self.n_columns(nf)))
        virial = np.zeros((3, 3, self.n_columns(nf)))
        for e in range(len(self.species)):
            rows = elem[centers] == e
            cols = slice(e * (1 + nf) + 1, (e + 1) * (1 + nf))
            np.add.at(dt[:, :, cols], neighbors[rows], contrib[rows].transpose(0, 2, 1))
            virial[:, :, cols] = np.einsum("pkc,pd->cdk", contrib[rows], output.vectors[rows])
        return dt, virial

    def set_coefficient_vector(self, w):
        self.coef_ = np.asarray(w, dtype=float).reshape(len(self.species), -1)
        return self

    def fitted_arrays(self):
        return {"coef": self.coef_} if hasattr(self, "coef_") else {}

    def load_arrays(self, arrays):
        return self.set_coefficient_vector(arrays["coef"])

    def predict(self, values, numbers):
        self._check_fitted()
        coef = self.coef_[self.element_index(numbers)]  # (n_atoms, 1 + n_features)
        t = np.tanh(values / self.scale)
        energies = coef[:, 0] + np.einsum("ak,ak->a", coef[:, 1:], t)
        return energies, coef[:, 1:] * (1.0 - t**2) / self.scale
