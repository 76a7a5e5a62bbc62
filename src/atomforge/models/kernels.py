"""Kernels of the Gaussian-process model on standardised per-atom descriptors.

Both kernels are written so that their gradient in the first argument has the form

    ∂k(x, z)/∂x = a(x, z) z + b(x, z) x

with scalar a and b. That lets the force rows of a sparse GP be built from one matrix product of
the descriptor gradients with the inducing points (:mod:`atomforge.models._gp_kernels`):

- squared exponential: k = σ² exp(−|x − z|² / 2ℓ²),  a = k/ℓ²,  b = −k/ℓ²;
- polynomial:          k = σ² (1 + x·z/ℓ²)^p,        a = σ² p (1 + x·z/ℓ²)^(p−1) / ℓ²,  b = 0.

(Rasmussen & Williams, *Gaussian Processes for Machine Learning* (2006), eqs. 4.9 and 4.22.)
``evaluate`` also gives the derivatives of k, a and b with respect to log ℓ, which the marginal
likelihood needs. The signal variance σ² scales k, a and b.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError


@dataclass(frozen=True)
class KernelTerms:
    """k(x_i, z_m) and the coefficients a, b of its gradient, each of shape (n_x, n_z)."""

    k: np.ndarray
    a: np.ndarray
    b: np.ndarray


def _sq_distances(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    d2 = (x * x).sum(1)[:, None] + (z * z).sum(1)[None, :] - 2.0 * x @ z.T
    return np.maximum(d2, 0.0)  # (n_x, n_z)


def evaluate(kernel: str, x: np.ndarray, z: np.ndarray, length: float, signal: float, degree: int = 2,
             d_log_length: bool = False) -> KernelTerms:
    """Kernel terms between rows of ``x`` (n_x, n_features) and ``z`` (n_z, n_features).

    Parameters
    ----------
    kernel : {"se", "polynomial"}
    length, signal : float
        ℓ (in standardised feature units) and σ (in eV).
    degree : int
        p of the polynomial kernel.
    d_log_length : bool
        Return ∂/∂log ℓ of k, a and b instead of the terms themselves.
    """
    s2 = signal * signal
    if kernel == "se":
        d2 = _sq_distances(x, z) / (length * length)
        k = s2 * np.exp(-0.5 * d2)
        a = k / length**2
        if not d_log_length:
            return KernelTerms(k, a, -a)
        da = a * (d2 - 2.0)  # ∂(k/ℓ²)/∂log ℓ = (k d² − 2k)/ℓ²
        return KernelTerms(k * d2, da, -da)
    if kernel == "polynomial":
        u = x @ z.T / (length * length)
        base = 1.0 + u
        k = s2 * base**degree
        a = s2 * degree * base ** (degree - 1) / length**2
        zero = np.zeros_like(k)
        if not d_log_length:
            return KernelTerms(k, a, zero)
        # ∂u/∂log ℓ = −2u, ∂ℓ⁻²/∂log ℓ = −2ℓ⁻²
        dk = s2 * degree * base ** (degree - 1) * (-2.0 * u)
        da = s2 * degree / length**2 * ((degree - 1) * base ** max(degree - 2, 0) * (-2.0 * u)
                                        - 2.0 * base ** (degree - 1))
        return KernelTerms(dk, da, zero)
    raise ConfigError(f"unknown kernel {kernel!r}; known: ['polynomial', 'se']")


def diagonal(kernel: str, x: np.ndarray, length: float, signal: float, degree: int = 2) -> np.ndarray:
    """k(x_i, x_i), shape (n_x,)."""
    if kernel == "se":
        return np.full(len(x), signal * signal)
    return signal * signal * (1.0 + (x * x).sum(1) / (length * length)) ** degree


def x_gradient(terms: KernelTerms, x: np.ndarray, z: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Σ_m w_m ∂k(x_i, z_m)/∂x_i, shape (n_x, n_features), from the terms of :func:`evaluate`."""
    return (terms.a * weights) @ z + (terms.b @ weights)[:, None] * x
