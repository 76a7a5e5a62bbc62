"""The Finnis–Sinclair embedding of ML-PACE (``npoti: FinnisSinclairShiftedScaled``).

For a density ρ and exponent m (Lysogorskiy et al., npj Comput. Mater. 7, 97 (2021), eq. 4, with
the shift that makes F smooth at ρ = 0):

    F_m(ρ) = sign(ρ) [ (|ρ| + x₀ e^{−|ρ|})^m − x₀^m e^{−|ρ|} ],   x₀ = m^{1/(1−m)},   F_1(ρ) = ρ.

F_m(0) = 0, F_m is odd, and F'_m(0) = 1 − x₀ + x₀^m; for large |ρ| it approaches sign(ρ)|ρ|^m
(m = ½: a square root, the Finnis–Sinclair bond-order form). Checked against python-ace's
``PyACECalculator`` through written ``.yace`` files (tests/models/test_finnis_sinclair.py).
"""

from __future__ import annotations

import numpy as np


def fs_embedding(rho: np.ndarray, m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """F_m(ρ), F'_m(ρ) and F''_m(ρ), each with the shape of ``rho`` (dimensionless density)."""
    rho = np.asarray(rho, dtype=float)
    if m == 1.0:
        return rho.copy(), np.ones_like(rho), np.zeros_like(rho)
    a = np.abs(rho)
    sign = np.where(rho < 0, -1.0, 1.0)
    x0 = m ** (1.0 / (1.0 - m))
    e = np.exp(-a)
    u = a + x0 * e  # > 0 for 0 < m < 1
    du = 1.0 - x0 * e
    y0 = x0 ** m
    f = sign * (u ** m - y0 * e)
    df = m * u ** (m - 1.0) * du + y0 * e  # d/d|ρ|, even in ρ
    d2f = sign * (m * (m - 1.0) * u ** (m - 2.0) * du ** 2 + m * u ** (m - 1.0) * x0 * e - y0 * e)
    return f, df, d2f
