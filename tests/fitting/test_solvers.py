"""The incremental-QR least-squares solver against scipy's dense SVD solver."""

import numpy as np
from scipy import linalg

from atomforge.fitting.solvers import solve_least_squares


def _problem(seed=0, m=700, n=40):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(m, n)) * np.logspace(-4, 3, n)  # badly scaled columns
    y = a @ (rng.normal(size=n) / np.logspace(-4, 3, n)) + 1e-3 * rng.normal(size=m)
    return a, y


def test_blocked_qr_equals_dense_lstsq():
    a, y = _problem()
    blocks = [(a[k:k + 97], y[k:k + 97]) for k in range(0, len(a), 97)]
    res = solve_least_squares(blocks, n_columns=a.shape[1])
    ref = linalg.lstsq(a, y, lapack_driver="gelsd")[0]
    np.testing.assert_allclose(res.coef, ref, rtol=1e-8)
    np.testing.assert_allclose(res.info["residual_norm"], np.linalg.norm(a @ ref - y), rtol=1e-8)
    assert res.info["n_rows"] == 700 and res.info["rank"] == 40


def test_ridge_equals_augmented_dense_problem():
    a, y = _problem(seed=1)
    lam = 1e-3
    d = np.linalg.norm(a, axis=0)
    reg = np.sqrt(lam) * np.diag(d)
    reg[0] = 0.0
    ref = linalg.lstsq(np.vstack([a, reg]), np.concatenate([y, np.zeros(len(d))]))[0]
    res = solve_least_squares([(a, y)], n_columns=a.shape[1], ridge=lam, unregularized=np.array([0]))
    np.testing.assert_allclose(res.coef * d, ref * d, rtol=1e-7, atol=1e-9 * np.abs(ref * d).max())


def test_rank_deficient_problem_gives_minimum_norm_solution():
    a, y = _problem(seed=2, n=10)
    a = np.column_stack([a, a[:, 3]])  # duplicate column
    res = solve_least_squares([(a, y)], n_columns=11)
    assert res.info["rank"] == 10
    np.testing.assert_allclose(res.coef[3], res.coef[10], rtol=1e-8)
