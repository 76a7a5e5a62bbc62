"""Log marginal likelihood of a sparse GP (projected process / DTC) and its gradient.

Observations y (n,) = K α-model + noise with K = Kₙₘ (n, M) the kernel columns of each observed
functional, Kmm (M, M) between inducing points and Σ = diag(σ_n²). With Q = K Kmm⁻¹ Kᵀ,

    log p(y) = −½ yᵀ(Q + Σ)⁻¹y − ½ log|Q + Σ| − (n/2) log 2π,

evaluated through A = Kmm + KᵀΣ⁻¹K (Woodbury): (Q + Σ)⁻¹y = Σ⁻¹(y − Kα) with α = A⁻¹KᵀΣ⁻¹y, and
log|Q + Σ| = log|A| − log|Kmm| + log|Σ| (Quiñonero-Candela & Rasmussen, JMLR 6, 1939 (2005), eq. 20).
Numerically, with Kmm = L Lᵀ and V = L⁻¹KᵀΣ^(−½), log|A| − log|Kmm| = log|I + VVᵀ| (as GPflow's SGPR),
which stays accurate when Kmm is nearly singular (long ℓ).
With β = (Q + Σ)⁻¹y, γ = Kmm⁻¹Kᵀβ and W = Σ⁻¹KA⁻¹, a change dK, dKmm, dΣ changes it by

    ⟨βγᵀ − W, dK⟩ + ½⟨Kmm⁻¹ − A⁻¹ − γγᵀ, dKmm⟩ + ½ Σ_n dΣ_nn (β_n² − (Q + Σ)⁻¹_nn),

with (Q + Σ)⁻¹_nn = (1 − Σ_m W_nm K_nm)/Σ_nn (derived from the identities (Q + Σ)⁻¹K Kmm⁻¹ = W and
KᵀΣ⁻¹K A⁻¹ = I − Kmm A⁻¹). Parameters: θ = log(ℓ, σ, σ_energy, σ_force, σ_stress).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import linalg, optimize


def log_marginal_likelihood(theta: np.ndarray, columns: Callable, y: np.ndarray, kinds: np.ndarray,
                            multipliers: np.ndarray, jitter: float) -> tuple[float, np.ndarray]:
    """log p(y) and its gradient (5,) in θ = log(ℓ, σ, σ_energy, σ_force, σ_stress).

    Parameters
    ----------
    columns : callable
        ``columns(length)`` → (K1, dK1, Kmm1, dKmm1): kernel columns (n, M) and inducing matrix
        (M, M) at signal σ = 1, and their derivatives in log ℓ.
    y : ndarray (n,)
        Observations minus the reference (eV/atom, eV/Å, GPa).
    kinds : ndarray (n,) int
        0 energy, 1 force, 2 stress: which noise each row has.
    multipliers : ndarray (n,)
        The noise of row n is σ_kind / multipliers[n] (group and frame weights).
    jitter : float
        Kmm gets jitter·σ² on its diagonal.
    """
    length, signal = np.exp(theta[:2])
    noise = np.exp(theta[2:])[kinds] / multipliers  # (n,)
    k1, dk1, kmm1, dkmm1 = columns(length)
    s2 = signal * signal
    k, dk = s2 * k1, s2 * dk1
    kmm = s2 * (kmm1 + jitter * np.eye(len(kmm1)))
    dkmm = s2 * dkmm1
    var = noise * noise
    n, m = len(y), len(kmm)
    eye = np.eye(m)
    # stable factors: Kmm = L Lᵀ, V = L⁻¹KᵀΣ^(−½), B = I + VVᵀ = L⁻¹AL⁻ᵀ = L_B L_Bᵀ
    chol = linalg.cholesky(kmm, lower=True, check_finite=False)
    v = linalg.solve_triangular(chol, (k / noise[:, None]).T, lower=True, check_finite=False)  # (M, n)
    chol_b = linalg.cholesky(eye + v @ v.T, lower=True, check_finite=False)
    u = linalg.solve_triangular(chol_b, v, lower=True, check_finite=False)  # (M, n) = L_B⁻¹V
    ys = y / noise
    c = u @ ys
    value = (-0.5 * ys @ ys + 0.5 * c @ c - np.log(np.diag(chol_b)).sum() - np.log(noise).sum()
             - 0.5 * n * np.log(2.0 * np.pi))
    beta = (ys - u.T @ c) / noise  # Σ⁻¹(y − Kα) = (Q + Σ)⁻¹y
    l_inv = linalg.solve_triangular(chol, eye, lower=True, check_finite=False)
    p = linalg.solve_triangular(chol_b, l_inv, lower=True, check_finite=False)  # A⁻¹ = PᵀP
    gamma = l_inv.T @ (l_inv @ (k.T @ beta))
    w = ((k / var[:, None]) @ p.T) @ p  # (n, M) = Σ⁻¹KA⁻¹
    g_mm = 0.5 * (l_inv.T @ l_inv - p.T @ p - np.outer(gamma, gamma))

    def kernel_term(d_k, d_kmm):
        return beta @ d_k @ gamma - np.sum(w * d_k) + np.sum(g_mm * d_kmm)

    grad = np.zeros(5)
    grad[0] = kernel_term(dk, dkmm)
    grad[1] = kernel_term(2.0 * k, 2.0 * kmm)
    per_row = var * beta * beta - 1.0 + np.sum(u * u, axis=0)  # ∂/∂log σ_n of each row's noise
    grad[2:] = np.bincount(kinds, weights=per_row, minlength=3)
    return float(value), grad


def maximize_likelihood(theta0: np.ndarray, columns: Callable, y, kinds, multipliers, jitter: float,
                        max_iter: int) -> tuple[np.ndarray, dict]:
    """θ maximising :func:`log_marginal_likelihood` by L-BFGS-B from ``theta0`` (5,).

    Noises of kinds with no row stay fixed; ℓ stays within 1e-2..1e1 × its start, σ and the
    noises within 1e-3..1e3 × theirs. Where Kmm is numerically singular (ℓ too long) the objective
    is a high wall the line search backs off from. Returns θ and info (log likelihood per row at
    start and end, iterations, message).
    """
    present = np.bincount(kinds, minlength=3) > 0
    free = np.concatenate([[True, True], present])
    n = len(y)

    def objective(t):
        theta = theta0.copy()
        theta[free] = t
        try:
            value, grad = log_marginal_likelihood(theta, columns, y, kinds, multipliers, jitter)
        except linalg.LinAlgError:
            return 1e10, np.zeros(len(t))
        return -value / n, -grad[free] / n

    low = np.log(np.array([1e-2, 1e-3, 1e-3, 1e-3, 1e-3]))[free]
    high = np.log(np.array([1e1, 1e3, 1e3, 1e3, 1e3]))[free]
    start = -objective(theta0[free])[0]
    res = optimize.minimize(objective, theta0[free], jac=True, method="L-BFGS-B",
                            bounds=list(zip(theta0[free] + low, theta0[free] + high)), options={"maxiter": max_iter})
    theta = theta0.copy()
    theta[free] = res.x
    return theta, {"log_likelihood_per_row_start": float(start), "log_likelihood_per_row": float(-res.fun),
                   "iterations": int(res.nit), "message": str(res.message), "n_rows": n}
