"""Weighted linear least squares by incremental QR, never by the normal equations.

The weighted rows ``[A | y]`` arrive in blocks. Each block is stacked under the current triangular
factor and re-factorised (``R ← qr([R; block])``), so only one block and an
(n_columns + 1)² triangle are held at a time (a tall-skinny QR). The last column of the final R
holds Qᵀy and the residual norm. The coefficients then come from a truncated SVD of R with the
columns scaled to unit norm, which is stable for the badly scaled columns of a bispectrum and
its products. A ridge term λ‖Dβ‖² (D = column norms, so λ is scale-free) is added as extra rows
``sqrt(λ)·D`` with zero targets (row augmentation), except on ``unregularized`` columns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import linalg

from ..errors import ConvergenceError


@dataclass
class LeastSquaresResult:
    """Solution of a weighted least-squares problem.

    Attributes
    ----------
    coef : ndarray, shape (n_columns,)
    info : dict
        ``n_rows``, ``rank``, ``condition`` (of the column-scaled matrix), ``residual_norm``.
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


def solve_least_squares(blocks: Iterable[tuple[np.ndarray, np.ndarray]], *, n_columns: int,
                        ridge: float = 0.0, rcond: float = 1e-12,
                        unregularized: np.ndarray | None = None) -> LeastSquaresResult:
    """Minimise ‖A β − y‖² + ridge·‖D β‖² over weighted row blocks (A_b, y_b).

    Parameters
    ----------
    blocks : iterable of (ndarray (n_rows_b, n_columns), ndarray (n_rows_b,))
        Rows already multiplied by their weights.
    n_columns : int
    ridge : float
        λ ≥ 0, relative to the squared column norms (scale-free).
    rcond : float
        Singular values below ``rcond × largest`` of the column-scaled R are dropped.
    unregularized : ndarray of int, optional
        Columns the ridge term leaves alone (the per-element constants).
    """
    r, n_rows = triangular_factor(blocks, n_columns)
    rc, qty = r[:, :n_columns], r[:, n_columns]
    norms = np.sqrt(np.einsum("ij,ij->j", rc, rc))  # column norms of A
    scale = np.where(norms > 0, norms, 1.0)
    if ridge > 0:
        reg = np.sqrt(ridge) * np.diag(scale)
        if unregularized is not None:
            reg[unregularized] = 0.0
        rc = np.vstack([rc, reg])
        qty = np.concatenate([qty, np.zeros(n_columns)])
    u, s, vt = linalg.svd(rc / scale, full_matrices=False, check_finite=False)
    keep = s > rcond * s[0]
    x = vt[keep].T @ ((u[:, keep].T @ qty) / s[keep])
    coef = x / scale
    info = {"n_rows": n_rows, "rank": int(keep.sum()), "condition": float(s[0] / s[keep][-1]),
            "residual_norm": float(abs(r[n_columns, n_columns])) if r.shape[0] > n_columns else 0.0}
    return LeastSquaresResult(coef, info)
