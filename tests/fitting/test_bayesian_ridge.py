"""Bayesian ridge (evidence maximisation) against the closed-form marginal likelihood.

The log evidence of y = A w + ε, ε ~ N(0, β⁻¹ I), w ~ N(0, (α D²)⁻¹) is
ln N(y | 0, β⁻¹ I + α⁻¹ A_s A_sᵀ) with A_s = A D⁻¹ (D the column norms): computed densely here, it
must equal the solver's value and be stationary in (ln α, ln β) at the solver's α, β; the
coefficients must be the posterior mean.
"""

import numpy as np
import pytest

from atomforge.errors import ConfigError
from atomforge.fitting.linear.bayesian import solve_bayesian_ridge
from atomforge.fitting.linear.solvers import solve_least_squares


def _problem(seed, m=60, n=8, noise=0.3):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(m, n)) * np.logspace(-2, 2, n)  # badly scaled columns
    y = a @ (rng.normal(size=n) / np.logspace(-2, 2, n)) + noise * rng.normal(size=m)
    return a, y


def _dense_log_evidence(a_s, y, log_alpha, log_beta):
    cov = np.eye(len(y)) / np.exp(log_beta) + a_s @ a_s.T / np.exp(log_alpha)
    return -0.5 * (np.linalg.slogdet(cov)[1] + y @ np.linalg.solve(cov, y) + len(y) * np.log(2 * np.pi))


def _assert_stationary(a_s, y, log_alpha, log_beta, h=1e-4):
    """The dense log evidence has zero slope in log α and log β (central differences)."""
    for da, db in ((h, 0), (0, h)):
        up = _dense_log_evidence(a_s, y, log_alpha + da, log_beta + db)
        down = _dense_log_evidence(a_s, y, log_alpha - da, log_beta - db)
        assert abs((up - down) / (2 * h)) < 1e-6


def test_evidence_is_maximised_and_coefficients_are_the_posterior_mean():
    a, y = _problem(0)
    blocks = [(a[:25], y[:25]), (a[25:], y[25:])]
    res = solve_bayesian_ridge(blocks, n_columns=a.shape[1])
    d = np.linalg.norm(a, axis=0)
    a_s = a / d
    la, lb = np.log(res.info["alpha"]), np.log(res.info["beta"])
    assert res.info["log_evidence"] == pytest.approx(_dense_log_evidence(a_s, y, la, lb), rel=1e-10)
    _assert_stationary(a_s, y, la, lb)
    for da, db in ((0.3, 0), (-0.3, 0), (0, 0.3), (0, -0.3)):  # a maximum, not just a stationary point
        assert _dense_log_evidence(a_s, y, la + da, lb + db) < res.info["log_evidence"]
    lam = res.info["ridge"]
    mean = np.linalg.solve(a_s.T @ a_s + lam * np.eye(a.shape[1]), a_s.T @ y) / d
    np.testing.assert_allclose(res.coef, mean, rtol=1e-9, atol=1e-12 * np.abs(mean).max())
    assert res.info["gamma"] == pytest.approx(np.sum(1 / (1 + lam / np.linalg.eigvalsh(a_s.T @ a_s))), rel=1e-9)


def test_constant_columns_are_integrated_out():
    """With a flat prior on constant columns, the coefficients equal the ridge solution at λ = α/β
    (constants unregularised), and α, β maximise the evidence of the data projected off the constants
    (the exact marginal over a flat prior, up to a constant)."""
    a, y = _problem(1)
    a = np.column_stack([np.ones(len(a)), a])
    y = y + 5.0
    res = solve_bayesian_ridge([(a, y)], n_columns=a.shape[1], unregularized=np.array([0]))
    ridge = solve_least_squares([(a, y)], n_columns=a.shape[1], ridge=res.info["ridge"], unregularized=np.array([0]))
    np.testing.assert_allclose(res.coef, ridge.coef, rtol=1e-9, atol=1e-12)
    d = np.linalg.norm(a, axis=0)
    q = np.linalg.qr(a[:, :1], mode="complete")[0][:, 1:]  # orthonormal complement of the constant column
    a_s, y_p = q.T @ (a[:, 1:] / d[1:]), q.T @ y
    la, lb = np.log(res.info["alpha"]), np.log(res.info["beta"])
    assert res.info["log_evidence"] == pytest.approx(_dense_log_evidence(a_s, y_p, la, lb), rel=1e-10)
    _assert_stationary(a_s, y_p, la, lb)


def test_bayesian_ridge_through_the_linear_trainer_refuses_the_absolute_loss():
    from atomforge.fitting.linear.design import DesignMatrix
    from atomforge.fitting.linear.trainer import fit_least_squares
    from atomforge.models import LinearModel

    with pytest.raises(ConfigError, match="bayesian.*squared"):
        fit_least_squares(LinearModel(species=["Cu"]), DesignMatrix(3, np.array([0])), ridge="bayesian",
                          loss="absolute")
