"""The incremental-QR least-squares solver against scipy's dense SVD solver."""

import numpy as np
import pytest
from scipy import linalg

from atomforge.fitting.linear.solvers import solve_least_squares


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


def _l1_reference(a, y):
    """Exact least-absolute-deviations solution as a linear program (HiGHS): min Σ t, -t ≤ Aβ − y ≤ t."""
    from scipy.optimize import linprog

    m, n = a.shape
    c = np.concatenate([np.zeros(n), np.ones(m)])
    eye = np.eye(m)
    a_ub = np.block([[a, -eye], [-a, -eye]])
    b_ub = np.concatenate([y, -y])
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=[(None, None)] * n + [(0, None)] * m, method="highs")
    assert res.status == 0
    return res.x[:n], res.fun


def test_absolute_loss_reaches_the_linear_programming_optimum():
    rng = np.random.default_rng(3)
    m, n = 300, 8
    a = rng.normal(size=(m, n)) * np.logspace(-2, 2, n)
    y = a @ rng.normal(size=n) + rng.laplace(scale=0.1, size=m)
    y[:15] += rng.normal(scale=20.0, size=15)  # outliers the squared loss follows
    ref, ref_obj = _l1_reference(a, y)
    blocks = [(a[k:k + 64], y[k:k + 64]) for k in range(0, m, 64)]
    res = solve_least_squares(blocks, n_columns=n, loss="absolute", max_iter=200, tol=1e-12)
    obj = np.abs(a @ res.coef - y).sum()
    assert obj <= ref_obj * (1 + 1e-5)  # δ-smoothing of |r| near zero
    assert res.info["sum_abs_residual"] == pytest.approx(obj, rel=1e-12)
    np.testing.assert_allclose(res.coef * np.logspace(-2, 2, n), ref * np.logspace(-2, 2, n), atol=1e-3)
    squared = solve_least_squares(blocks, n_columns=n)
    assert np.abs(a @ squared.coef - y).sum() > obj * 1.01


def test_absolute_loss_with_ridge_minimises_its_objective():
    """Σ|r| + (λ/2s)‖Dβ‖² (D column norms, s the RMS residual of least squares) on nearly collinear
    columns, where the ridge matters, against the same convex problem solved by SLSQP over (β, t)."""
    from scipy.optimize import minimize

    rng = np.random.default_rng(8)
    m, n, ridge = 60, 4, 1e-3
    base = rng.normal(size=(m, 1))
    a = (base + 0.02 * rng.normal(size=(m, n))) * np.logspace(-1, 1, n)
    y = a @ rng.normal(size=n) + rng.laplace(scale=0.05, size=m)
    d = np.linalg.norm(a, axis=0)
    s = np.sqrt(np.sum((a @ np.linalg.lstsq(a, y, rcond=None)[0] - y) ** 2) / m)

    def objective(beta):
        return np.abs(a @ beta - y).sum() + ridge / (2 * s) * np.sum((d * beta) ** 2)

    res = solve_least_squares([(a[:25], y[:25]), (a[25:], y[25:])], n_columns=n, ridge=ridge,
                              loss="absolute", max_iter=500, tol=1e-14)
    c = ridge / (2 * s)
    start = np.linalg.lstsq(a, y, rcond=None)[0]
    eye = np.eye(m)
    ref = minimize(lambda v: v[n:].sum() + c * np.sum((d * v[:n]) ** 2),
                   np.concatenate([start, np.abs(a @ start - y) + 0.01]), method="SLSQP",
                   jac=lambda v: np.concatenate([2 * c * d**2 * v[:n], np.ones(m)]),
                   constraints=[{"type": "ineq", "fun": lambda v: v[n:] - (a @ v[:n] - y),
                                 "jac": lambda v: np.hstack([-a, eye])},
                                {"type": "ineq", "fun": lambda v: v[n:] + (a @ v[:n] - y),
                                 "jac": lambda v: np.hstack([a, eye])}],
                   options={"ftol": 1e-14, "maxiter": 2000})
    # SLSQP may end on "positive directional derivative" at the optimum; its β is judged by the objective itself.
    assert res.info["objective"] == pytest.approx(objective(res.coef), rel=1e-12)
    assert objective(res.coef) <= objective(ref.x[:n]) * (1 + 1e-6)
    np.testing.assert_allclose(d * res.coef, d * ref.x[:n], atol=1e-3 * np.linalg.norm(d * ref.x[:n]))
    unregularised = solve_least_squares([(a, y)], n_columns=n, loss="absolute", max_iter=500, tol=1e-14)
    assert np.linalg.norm(d * res.coef) < 0.9 * np.linalg.norm(d * unregularised.coef)  # the ridge is active


def test_absolute_loss_on_rows_fitted_exactly_returns_the_squared_solution():
    """Fewer rows than columns: least squares fits them exactly, so there is no residual scale for the ridge."""
    rng = np.random.default_rng(9)
    a, y = rng.normal(size=(4, 6)), rng.normal(size=4)
    squared = solve_least_squares([(a, y)], n_columns=6, ridge=1e-6)
    absolute = solve_least_squares([(a, y)], n_columns=6, ridge=1e-6, loss="absolute")
    np.testing.assert_array_equal(absolute.coef, squared.coef)
    assert absolute.info["sum_abs_residual"] == pytest.approx(np.abs(a @ squared.coef - y).sum(), rel=1e-12)


def test_absolute_loss_needs_reiterable_blocks():
    a, y = _problem(seed=4, n=5)
    with pytest.raises(TypeError):
        solve_least_squares(iter([(a, y)]), n_columns=5, loss="absolute")
    res = solve_least_squares(lambda: iter([(a, y)]), n_columns=5, loss="absolute")
    assert res.info["iterations"] >= 1
