"""Weighted linear least squares (or least absolute deviations) by incremental QR, never by the normal equations.

The weighted rows ``[A | y]`` arrive in blocks. Each block is stacked under the current triangular
factor and re-factorised (``R ← qr([R; block])``), so only one block and an
(n_columns + 1)² triangle are held at a time (a tall-skinny QR). The last column of the final R
holds Qᵀy and the residual norm. The coefficients then come from a truncated SVD of R with the
columns scaled to unit norm, which is stable for the badly scaled columns of a bispectrum and
its products. A ridge term λ‖Dβ‖² (D = column norms, so λ is scale-free) is added as extra rows
``sqrt(λ)·D`` with zero targets (row augmentation), except on ``unregularized`` columns.

With ``loss="absolute"`` the objective is Σ|r| + (λ/2s)‖Dβ‖² (r the weighted residuals, s the RMS
residual of the unregularised least-squares fit, so λ means what it means for the squared loss near
that start), minimised by iteratively reweighted least squares: each iteration solves the squared problem with
every row scaled by 1/sqrt(max(|r|, δ)) of the previous residuals (δ = 1e-4 s) and the same ridge
rows sqrt(λ/s)·D, so the rows pass once through the QR per iteration. Each step minimises a
quadratic majorant of the objective (|r| ≤ r²/2m + m/2, m = max(|r₀|, δ)), so the objective does
not increase (up to the δ-smoothing, ≤ δ/2 per row) and the stop at its first non-decrease is safe;
D is never taken from reweighted rows, which would change the objective from step to step.
Fitting the metric people report (MAE) lowers both energy and force MAE compared with the squared
loss at the same weights.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import linalg

from ...errors import ConvergenceError


@dataclass
class LeastSquaresResult:
    """Solution of a weighted least-squares problem.

    Attributes
    ----------
    coef : ndarray, shape (n_columns,)
    info : dict
        ``n_rows``, ``rank``, ``condition`` (of the column-scaled matrix), ``residual_norm``; for the
        absolute loss also ``iterations``, ``sum_abs_residual`` (Σ|r|) and ``objective`` (with the ridge term).
    """

    coef: np.ndarray
    info: dict


def triangular_factor(blocks: Iterable[tuple[np.ndarray, np.ndarray]], n_columns: int):
    """R of the QR factorisation of the stacked rows ``[A | y]``, block by block (tall-skinny QR).

    Returns
    -------
    r : ndarray, shape (min(n_rows, n_columns + 1), n_columns + 1)
        ``Rᵀ R = [A | y]ᵀ [A | y]``; passing ``(r[:, :-1], r[:, -1])`` as the only block to
        :func:`solve_least_squares` gives the same solution as the original rows.
    n_rows : int
    """
    r = np.zeros((0, n_columns + 1))
    n_rows = 0
    for a, y in blocks:
        if a.shape[1] != n_columns or len(y) != len(a):
            raise ValueError(f"block of shape {a.shape} with {len(y)} targets; expected {n_columns} columns")
        if not (np.all(np.isfinite(a)) and np.all(np.isfinite(y))):
            raise ConvergenceError("non-finite value in the design matrix or the targets")
        n_rows += len(a)
        stacked = np.vstack([r, np.column_stack([a, y])])
        r = linalg.qr(stacked, mode="r", overwrite_a=True, check_finite=False)[0][: n_columns + 1]
    return r, n_rows


Blocks = Iterable[tuple[np.ndarray, np.ndarray]]


def solve_least_squares(blocks: Blocks | Sequence | Callable[[], Blocks], *, n_columns: int,
                        ridge: float = 0.0, rcond: float = 1e-12,
                        unregularized: np.ndarray | None = None, loss: str = "squared",
                        max_iter: int = 50, tol: float = 1e-7) -> LeastSquaresResult:
    """Minimise ‖A β − y‖² (or Σ|A β − y|) + ridge·‖D β‖² over weighted row blocks (A_b, y_b).

    Parameters
    ----------
    blocks : iterable of (ndarray (n_rows_b, n_columns), ndarray (n_rows_b,)), or a callable returning one
        Rows already multiplied by their weights. The absolute loss passes over them once per
        iteration, so it needs a sequence or a callable.
    n_columns : int
    ridge : float
        λ ≥ 0, relative to the squared column norms D² of the given rows (scale-free; for the absolute
        loss the penalty is (λ/2s)‖Dβ‖², see the module docstring).
    rcond : float
        Singular values below ``rcond × largest`` of the column-scaled R are dropped.
    unregularized : ndarray of int, optional
        Columns the ridge term leaves alone (the per-element constants).
    loss : {"squared", "absolute"}
    max_iter, tol : int, float
        Absolute loss only: at most ``max_iter`` reweighting iterations, stopping when the
        objective decreases by less than ``tol`` relative.
    """
    if loss not in ("squared", "absolute"):
        raise ValueError(f"loss must be 'squared' or 'absolute', not {loss!r}")
    if callable(blocks):
        passes = blocks
    elif loss == "absolute" and not isinstance(blocks, Sequence):
        raise TypeError("the absolute loss needs the blocks as a sequence or a callable")
    else:
        passes = lambda: blocks  # noqa: E731
    r, n_rows = triangular_factor(passes(), n_columns)
    # Ridge rows diag(ridge_rows): sqrt(λ)·D, D the column norms of the rows as given (never of reweighted ones).
    ridge_rows = np.sqrt(ridge) * _column_norms(r, n_columns) if ridge > 0 else None
    if ridge_rows is not None and unregularized is not None:
        ridge_rows[unregularized] = 0.0
    coef, info = _solve_triangular(r, n_columns, ridge_rows, rcond)
    info["n_rows"] = n_rows
    if loss == "squared":
        return LeastSquaresResult(coef, info)
    rms = info["residual_norm"] / np.sqrt(max(n_rows, 1))
    if rms == 0.0:  # rows fitted exactly (e.g. fewer rows than columns): no residual scale; the squared solution stands
        total = sum(float(np.abs(a @ coef - y).sum()) for a, y in passes())
        return LeastSquaresResult(coef, dict(info, iterations=0, sum_abs_residual=total, objective=total))
    delta = 1e-4 * rms
    if ridge_rows is not None:
        ridge_rows = ridge_rows / np.sqrt(rms)  # objective Σ|r| + ½‖diag(ridge_rows) β‖², see the module docstring
    best, previous = None, None
    for iteration in range(max_iter):
        total = [0.0]

        def reweighted(coef=coef):
            for a, y in passes():
                res = np.abs(a @ coef - y)
                total[0] += float(res.sum())
                s = 1.0 / np.sqrt(np.maximum(res, delta))
                yield a * s[:, None], y * s

        r, _ = triangular_factor(reweighted(), n_columns)
        penalty = 0.5 * float(np.sum((ridge_rows * coef) ** 2)) if ridge_rows is not None else 0.0
        objective = total[0] + penalty  # of the current coefficients
        if best is None or objective < best[0]:
            best = (objective, coef, dict(info, iterations=iteration, sum_abs_residual=total[0], objective=objective))
        if previous is not None and previous - objective <= tol * objective:
            break
        previous = objective
        coef, info = _solve_triangular(r, n_columns, ridge_rows, rcond)
        info["n_rows"] = n_rows
    return LeastSquaresResult(best[1], best[2])


def _column_norms(r, n_columns):
    """Column norms (n_columns,) of A, from the triangular factor of ``[A | y]``."""
    return np.sqrt(np.einsum("ij,ij->j", r[:, :n_columns], r[:, :n_columns]))


def _solve_triangular(r, n_columns, ridge_rows, rcond):
    """Coefficients (truncated SVD of the column-scaled R, rows diag(ridge_rows) appended) and solver info."""
    rc, qty = r[:, :n_columns], r[:, n_columns]
    norms = _column_norms(r, n_columns)
    scale = np.where(norms > 0, norms, 1.0)
    if ridge_rows is not None:
        rc = np.vstack([rc, np.diag(ridge_rows)])
        qty = np.concatenate([qty, np.zeros(n_columns)])
    u, s, vt = linalg.svd(rc / scale, full_matrices=False, check_finite=False)
    keep = s > rcond * s[0]
    x = vt[keep].T @ ((u[:, keep].T @ qty) / s[keep])
    info = {"rank": int(keep.sum()), "condition": float(s[0] / s[keep][-1]),
            "residual_norm": float(abs(r[n_columns, n_columns])) if r.shape[0] > n_columns else 0.0}
    return x / scale, info
