"""Clamped cubic splines: against SciPy, their linear basis, and linear extrapolation."""

import numpy as np
import pytest
from scipy.interpolate import CubicSpline

from atomforge.models.spline import Spline


@pytest.mark.parametrize("uniform", [True, False], ids=["uniform", "nonuniform"])
def test_spline_equals_scipy_clamped(uniform):
    rng = np.random.default_rng(0)
    x = np.linspace(1.0, 4.0, 8) if uniform else np.sort(rng.uniform(1.0, 4.0, 8))
    y = rng.normal(size=8)
    s = Spline(x, y, 0.7, -1.3)
    ref = CubicSpline(x, y, bc_type=((1, 0.7), (1, -1.3)))
    t = np.linspace(x[0], x[-1], 101)
    np.testing.assert_allclose(s(t), ref(t), atol=1e-12)
    np.testing.assert_allclose(s(t, 1), ref(t, 1), atol=1e-11)
    np.testing.assert_allclose(s.y2, ref(x, 2), atol=1e-10)


def test_linear_extrapolation():
    x = np.linspace(0.0, 2.0, 5)
    s = Spline(x, x**3, 0.5, 2.0)
    np.testing.assert_allclose(s([-1.0, -0.5]), [-0.5, -0.25], atol=1e-15)
    np.testing.assert_allclose(s([3.0, 4.0]), [8.0 + 2.0, 8.0 + 4.0], atol=1e-14)
    np.testing.assert_allclose(s([-1.0, 3.0], 1), [0.5, 2.0])


def test_basis_is_linear_in_parameters():
    rng = np.random.default_rng(1)
    x = np.linspace(-1.0, 1.0, 7)
    t = np.concatenate([rng.uniform(-1.5, 1.5, 200), x])
    base = Spline(x, np.zeros(7), 0.0, 0.0)
    val, der = base.basis(t)
    for _ in range(3):
        theta = rng.normal(size=9)
        s = base.with_theta(theta)
        np.testing.assert_allclose(val @ theta, s(t), atol=1e-13)
        np.testing.assert_allclose(der @ theta, s(t, 1), atol=1e-12)


def test_rejects_unsorted_knots():
    with pytest.raises(ValueError, match="increasing"):
        Spline([0.0, 2.0, 1.0], [0.0, 1.0, 2.0], 0.0, 0.0)


def test_roughness_matrix_gives_the_integral_of_the_squared_second_derivative():
    from scipy.integrate import quad

    rng = np.random.default_rng(2)
    x = np.sort(rng.uniform(-1.0, 1.0, 7))
    s = Spline(x, rng.normal(size=7), 0.4, -2.0)
    ref = CubicSpline(x, s.y, bc_type=((1, 0.4), (1, -2.0)))
    integral = sum(quad(lambda t: ref(t, 2) ** 2, a, b)[0] for a, b in zip(x[:-1], x[1:]))
    assert np.sum((s.roughness_matrix() @ s.theta) ** 2) == pytest.approx(integral, rel=1e-12)
    # a straight line has none
    line = Spline(x, 3.0 * x - 1.0, 3.0, 3.0)
    np.testing.assert_allclose(line.roughness_matrix() @ line.theta, 0.0, atol=1e-12)
