"""Clamped cubic splines with linear extrapolation, as LAMMPS ``pair_style meam/spline`` uses them.

A spline is given by its knots ``x[0] < ... < x[N-1]``, the values ``y`` at the knots and the
first derivatives ``d0``, ``dN`` at the two end knots. Inside ``[x[0], x[N-1]]`` it is the cubic
spline through the knots with those end slopes (second derivatives from the usual tridiagonal
system, Press et al., *Numerical Recipes* §3.3); outside it continues as the straight line with
slope ``d0`` (left) or ``dN`` (right).

The spline is linear in its parameters ``theta = [y_0, ..., y_{N-1}, d0, dN]`` (length N+2): the
second derivatives are ``y2 = M @ theta`` for a matrix ``M`` that depends on the knots only, so the
value at any x is ``basis(x) @ theta``. That is what makes structure vectors possible
(Vita & Trinkle, Comput. Mater. Sci. 200, 110752 (2021), Sec. 2.2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit


def second_derivative_matrix(x: np.ndarray) -> np.ndarray:
    """Matrix ``M`` with ``y2 = M @ [y, d0, dN]`` for knots ``x``.

    Parameters
    ----------
    x : ndarray, shape (n_knots,), strictly increasing

    Returns
    -------
    ndarray, shape (n_knots, n_knots + 2)
    """
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    if n < 2 or np.any(np.diff(x) <= 0):
        raise ValueError(f"spline knots must be at least 2 and strictly increasing, got {x}")
    h = np.diff(x)
    # tridiagonal system A y2 = B theta (clamped end conditions)
    a = np.zeros((n, n))
    b = np.zeros((n, n + 2))
    a[0, 0], a[0, 1] = h[0] / 3.0, h[0] / 6.0
    b[0, 0], b[0, 1], b[0, n] = -1.0 / h[0], 1.0 / h[0], -1.0
    for i in range(1, n - 1):
        a[i, i - 1], a[i, i], a[i, i + 1] = h[i - 1] / 6.0, (h[i - 1] + h[i]) / 3.0, h[i] / 6.0
        b[i, i - 1] = 1.0 / h[i - 1]
        b[i, i] = -1.0 / h[i - 1] - 1.0 / h[i]
        b[i, i + 1] = 1.0 / h[i]
    a[n - 1, n - 2], a[n - 1, n - 1] = h[-1] / 6.0, h[-1] / 3.0
    b[n - 1, n - 2], b[n - 1, n - 1], b[n - 1, n + 1] = 1.0 / h[-1], -1.0 / h[-1], 1.0
    return np.linalg.solve(a, b)


@njit(cache=True, fastmath=False)
def locate(x, t):
    """Interval of ``t``: -1 left of the knots, n-1 right of them, else k with x[k] <= t < x[k+1]."""
    n = x.shape[0]
    if t <= x[0]:
        return -1
    if t >= x[n - 1]:
        return n - 1
    lo, hi = 0, n - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if x[mid] > t:
            hi = mid
        else:
            lo = mid
    return lo


@njit(cache=True, fastmath=False)
def spline_eval(x, y, y2, d0, dn, t):
    """Value and first derivative at ``t`` of the spline (knots x, values y, second derivatives y2)."""
    n = x.shape[0]
    k = locate(x, t)
    if k < 0:
        return y[0] + d0 * (t - x[0]), d0
    if k == n - 1:
        return y[n - 1] + dn * (t - x[n - 1]), dn
    h = x[k + 1] - x[k]
    a = (x[k + 1] - t) / h
    b = 1.0 - a
    val = a * y[k] + b * y[k + 1] + ((a * a * a - a) * y2[k] + (b * b * b - b) * y2[k + 1]) * (h * h) / 6.0
    der = (y[k + 1] - y[k]) / h + ((3.0 * b * b - 1.0) * y2[k + 1] - (3.0 * a * a - 1.0) * y2[k]) * h / 6.0
    return val, der


@njit(cache=True, fastmath=False)
def spline_basis(x, m, t, val, der):
    """Fill ``val``/``der`` (n_knots + 2,) with the basis of value and derivative at ``t``.

    ``spline(t) = val @ theta`` and ``spline'(t) = der @ theta`` for ``theta = [y, d0, dN]``;
    ``m`` is :func:`second_derivative_matrix` of the knots.
    """
    n = x.shape[0]
    val[:] = 0.0
    der[:] = 0.0
    k = locate(x, t)
    if k < 0:
        val[0] = 1.0
        val[n] = t - x[0]
        der[n] = 1.0
        return
    if k == n - 1:
        val[n - 1] = 1.0
        val[n + 1] = t - x[n - 1]
        der[n + 1] = 1.0
        return
    h = x[k + 1] - x[k]
    a = (x[k + 1] - t) / h
    b = 1.0 - a
    ca = (a * a * a - a) * (h * h) / 6.0
    cb = (b * b * b - b) * (h * h) / 6.0
    da = -(3.0 * a * a - 1.0) * h / 6.0
    db = (3.0 * b * b - 1.0) * h / 6.0
    for c in range(n + 2):
        val[c] = ca * m[k, c] + cb * m[k + 1, c]
        der[c] = da * m[k, c] + db * m[k + 1, c]
    val[k] += a
    val[k + 1] += b
    der[k] -= 1.0 / h
    der[k + 1] += 1.0 / h


@dataclass
class Spline:
    """A clamped cubic spline with linear extrapolation.

    Attributes
    ----------
    x : ndarray, shape (n_knots,)
        Knot positions (Å for radial functions, dimensionless for U and g).
    y : ndarray, shape (n_knots,)
        Values at the knots.
    d0, dn : float
        First derivatives at the first and last knot.
    """

    x: np.ndarray
    y: np.ndarray
    d0: float
    dn: float

    def __post_init__(self):
        self.x = np.ascontiguousarray(self.x, dtype=np.float64)
        self.y = np.ascontiguousarray(self.y, dtype=np.float64)
        if self.x.shape != self.y.shape or self.x.ndim != 1:
            raise ValueError(f"spline knots {self.x.shape} and values {self.y.shape} differ in shape")
        self.d0 = float(self.d0)
        self.dn = float(self.dn)
        self.matrix = second_derivative_matrix(self.x)

    @property
    def n_knots(self) -> int:
        return len(self.x)

    @property
    def theta(self) -> np.ndarray:
        """Parameters ``[y_0..y_{N-1}, d0, dN]``, shape (n_knots + 2,)."""
        return np.concatenate([self.y, [self.d0, self.dn]])

    @property
    def y2(self) -> np.ndarray:
        """Second derivatives at the knots, shape (n_knots,)."""
        return self.matrix @ self.theta

    def with_theta(self, theta: np.ndarray) -> "Spline":
        """The spline on the same knots with parameters ``theta`` (n_knots + 2,)."""
        return Spline(self.x, theta[: self.n_knots], theta[-2], theta[-1])

    def __call__(self, t, nu: int = 0) -> np.ndarray:
        """Value (``nu=0``) or first derivative (``nu=1``) at ``t`` (any shape)."""
        t = np.asarray(t, dtype=np.float64)
        y2 = self.y2
        flat = t.ravel()
        out = np.empty((len(flat), 2))
        for q, tq in enumerate(flat):
            out[q] = spline_eval(self.x, self.y, y2, self.d0, self.dn, tq)
        return out[:, nu].reshape(t.shape)

    def roughness_matrix(self) -> np.ndarray:
        """Matrix ``R``, shape (n_knots, n_knots + 2), with ``|R @ theta|² = ∫ s''(x)² dx`` over the knots.

        The second derivative is linear between knots, so the integral is the quadratic form
        ``y2ᵀ G y2`` with the tridiagonal ``G`` (h_k/3 on the diagonal sums, h_k/6 beside it);
        ``R = Lᵀ M`` for the Cholesky factor ``G = L Lᵀ``.
        """
        h = np.diff(self.x)
        g = np.diag(np.concatenate([h, [0.0]]) / 3.0 + np.concatenate([[0.0], h]) / 3.0)
        g += np.diag(h / 6.0, 1) + np.diag(h / 6.0, -1)
        return np.linalg.cholesky(g).T @ self.matrix

    def basis(self, t) -> tuple[np.ndarray, np.ndarray]:
        """Basis rows of value and derivative at points ``t`` (n,): two arrays (n, n_knots + 2)."""
        t = np.atleast_1d(np.asarray(t, dtype=np.float64))
        val = np.empty((len(t), self.n_knots + 2))
        der = np.empty_like(val)
        for q, tq in enumerate(t):
            spline_basis(self.x, self.matrix, tq, val[q], der[q])
        return val, der
