"""Bayesian ridge regression: the ridge term chosen by maximising the evidence.

Model (MacKay, Neural Comput. 4, 415 (1992); Bishop, *Pattern Recognition and Machine Learning*,
§3.5): weighted rows y = A w + noise of precision β, prior w_k ~ N(0, 1/(α D_k²)) on the
regularised columns (D the column norms, as the ridge of :mod:`.solvers`, so α is scale-free)
and a flat prior on the ``unregularized`` columns (the per-element constants). The constants are
integrated out exactly: with [A_U | A_V | y] = Q T (QR, constants first), the evidence of the
remaining n_rows − p_U rows is that of the reduced problem T_VV w_V ≈ z_V. With the singular
values s_i and the projections z̃_i = u_iᵀ z_V of the column-scaled T_VV, and λ = α/β,

    m = Σ_i v_i s_i z̃_i / (s_i² + λ)          (posterior mean, scaled columns)
    γ = Σ_i s_i² / (s_i² + λ)                   (effective number of parameters)
    α ← γ / ‖m‖²,   β ← (N − γ) / ‖T_VV m − z_V‖²   (Bishop eqs. 3.92, 3.95)

iterated to convergence; the coefficients are the posterior mean (the ridge solution with λ = α/β).
The rows pass once through the incremental QR of :func:`~.solvers.triangular_factor`.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg

from ...errors import ConvergenceError
from .solvers import Blocks, LeastSquaresResult, _column_norms, triangular_factor


def solve_bayesian_ridge(blocks: Blocks, *, n_columns: int, unregularized: np.ndarray | None = None,
                         max_iter: int = 500, tol: float = 1e-10) -> LeastSquaresResult:
    """Weighted least squares with the ridge λ = α/β chosen by evidence maximisation.

    Parameters
    ----------
    blocks : iterable of (ndarray (n_rows_b, n_columns), ndarray (n_rows_b,))
        Rows already multiplied by their weights.
    n_columns : int
    unregularized : ndarray of int, optional
        Columns with a flat prior (integrated out; not shrunk).
    max_iter, tol : int, float
        Fixed-point iterations at most, and the relative change of λ that stops them.

    Returns
    -------
    LeastSquaresResult
        ``info``: ``n_rows``, ``alpha`` (prior precision of the column-scaled coefficients),
        ``beta`` (noise precision of the weighted rows), ``ridge`` (λ = α/β, the ``ridge`` of
        :func:`~.solvers.solve_least_squares` that gives the same coefficients), ``gamma``,
        ``log_evidence`` (of the reduced problem, scaled columns), ``iterations``, ``rank``,
        ``residual_norm``.
    """
    r, n_rows = triangular_factor(blocks if not callable(blocks) else blocks(), n_columns)
    norms = _column_norms(r, n_columns)
    scale = np.where(norms > 0, norms, 1.0)
    fixed = np.zeros(n_columns, dtype=bool)
    if unregularized is not None:
        fixed[np.asarray(unregularized, dtype=np.int64)] = True
    u_cols, v_cols = np.flatnonzero(fixed), np.flatnonzero(~fixed)
    p_u = len(u_cols)
    scaled = np.column_stack([r[:, u_cols] / scale[u_cols], r[:, v_cols] / scale[v_cols], r[:, n_columns]])
    t = linalg.qr(scaled, mode="r", check_finite=False)[0]  # constants first: T = [[T_UU, T_UV, z_U], [0, T_VV, z_V]]
    t = np.vstack([t, np.zeros((max(0, n_columns + 1 - len(t)), n_columns + 1))])
    t_vv, z_v = t[p_u:n_columns, p_u:n_columns], t[p_u:n_columns, n_columns]
    rss_outside = float(t[n_columns, n_columns] ** 2)  # residual no coefficient can reduce
    n_eff = n_rows - p_u
    if n_eff <= 0 or len(v_cols) == 0:
        raise ConvergenceError(f"Bayesian ridge needs more rows ({n_rows}) than constant columns ({p_u}) "
                               "and at least one regularised column")
    u, s, vt = linalg.svd(t_vv, check_finite=False)
    zt = u.T @ z_v
    s2 = s ** 2
    rss_fixed = rss_outside + float(z_v @ z_v - zt @ zt)

    def posterior(lam):
        m = vt.T @ (s * zt / (s2 + lam))
        rss = float(np.sum((lam * zt / (s2 + lam)) ** 2)) + rss_fixed
        return m, rss, float(np.sum(s2 / (s2 + lam)))

    total = float(z_v @ z_v) + rss_outside
    alpha, beta = 1.0, n_eff / max(total, np.finfo(float).tiny)
    iterations = 0
    for iterations in range(1, max_iter + 1):
        m, rss, gamma = posterior(alpha / beta)
        mm = float(m @ m)
        if mm == 0.0 or rss == 0.0:
            raise ConvergenceError("Bayesian ridge: the data fix the coefficients exactly (zero residual) or "
                                   "carry no signal (zero coefficients); use a fixed ridge instead")
        new_alpha, new_beta = gamma / mm, (n_eff - gamma) / rss
        change = abs(np.log((new_alpha / new_beta) / (alpha / beta)))
        alpha, beta = new_alpha, new_beta
        if change < tol:
            break
    lam = alpha / beta
    m, rss, gamma = posterior(lam)
    # ln p(z_V | α, β) of the reduced problem (Bishop eq. 3.86), eigenvalues β s_i² (zero beyond len(s)).
    eig = np.zeros(len(v_cols))
    eig[: len(s)] = beta * s2
    log_evidence = 0.5 * (len(v_cols) * np.log(alpha) + n_eff * np.log(beta) - beta * rss - alpha * float(m @ m)
                          - np.sum(np.log(alpha + eig)) - n_eff * np.log(2 * np.pi))
    coef_scaled = np.empty(n_columns)
    coef_scaled[v_cols] = m
    t_uu, t_uv, z_u = t[:p_u, :p_u], t[:p_u, p_u:n_columns], t[:p_u, n_columns]
    if p_u:
        coef_scaled[u_cols] = linalg.solve_triangular(t_uu, z_u - t_uv @ m, check_finite=False)
    info = {"n_rows": n_rows, "alpha": float(alpha), "beta": float(beta), "ridge": float(lam),
            "gamma": float(gamma), "log_evidence": float(log_evidence), "iterations": iterations,
            "rank": int(np.sum(s > 1e-12 * s[0])) + p_u if len(s) else p_u,
            "residual_norm": float(np.sqrt(rss))}
    return LeastSquaresResult(coef_scaled / scale, info)
