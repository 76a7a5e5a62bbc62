"""How well a set of structures covers a target: PCA-space hull volume ratio and moment errors.

PCA is fitted on the target's per-atom descriptors, each feature standardised by the target's
mean and standard deviation (raw features differ in scale by orders of magnitude, and a few
highly compressed structures would otherwise own the first axis); its dimension is the smallest reaching
``variance`` (99 %) of the variance, capped at ``max_dim`` (5 by default): qhull's cost and the
number of points needed to fill a hull grow steeply with dimension, so beyond the cap the
coverage is that of the projection on the leading ``max_dim`` components (the report says
which was used). V_rep = V_hull(set) / V_hull(target) in that space; points outside the target
hull can make it exceed 1, so V_rep alone does not say the target is covered: ``target_volume_inside``,
the fraction of the target hull's volume inside the set's hull, and ``target_inside``, the fraction of
the target's atoms inside it, do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import ConvexHull, QhullError

from .loss import MomentLoss, moment_differences
from .target import Target


@dataclass(frozen=True)
class PCA:
    """Principal axes of the target descriptors.

    mean, scale (n_features,): the standardisation; components (n_dims, n_features) orthonormal
    rows; variances (n_dims,); n_dims_variance (dimensions reaching the asked variance, before the cap).
    """

    mean: np.ndarray
    scale: np.ndarray
    components: np.ndarray
    variances: np.ndarray
    n_dims_variance: int

    def project(self, values: np.ndarray) -> np.ndarray:
        """Coordinates (n, n_dims) of ``values`` (n, n_features)."""
        return ((values - self.mean) / self.scale) @ self.components.T

    def whiten(self, values: np.ndarray) -> np.ndarray:
        """Coordinates divided by the axes' standard deviations."""
        return self.project(values) / np.sqrt(self.variances)


def fit_pca(values: np.ndarray, *, variance: float = 0.99, max_dim: int | None = 5) -> PCA:
    """PCA of standardised ``values`` (n, n_features) keeping ``variance`` of it, at most
    ``max_dim`` axes (features without spread are left unscaled)."""
    mean = values.mean(axis=0)
    std = values.std(axis=0)
    scale = np.where(std > 1e-12 * max(1.0, float(np.abs(mean).max(initial=0.0))), std, 1.0)
    _, sing, vt = np.linalg.svd((values - mean) / scale, full_matrices=False)
    var = sing ** 2 / max(1, len(values) - 1)
    total = var.sum()
    frac = np.cumsum(var) / total if total > 0 else np.ones_like(var)  # no spread at all: one axis
    n99 = min(len(var), int(np.searchsorted(frac, variance) + 1))
    n = min(n99, max_dim) if max_dim else n99
    return PCA(mean, scale, vt[:n], np.maximum(var[:n], 1e-300), n99)


def convex_hull(points: np.ndarray) -> ConvexHull | None:
    """Qhull's convex hull of ``points`` (n, d ≥ 2), or None for a flat set. Qhull can fail on a
    full-dimensional set with near-duplicate points (a topology error; e.g. the equal environments of
    a lattice, equal to 1e-11): such a set is retried with joggled input ('QJ', perturbations of
    ~1e-11 relative)."""
    try:
        return ConvexHull(points)
    except QhullError:
        if np.linalg.matrix_rank(points - points.mean(axis=0)) < points.shape[1]:
            return None
        return ConvexHull(points, qhull_options="QJ")


def hull_volume(points: np.ndarray) -> float:
    """Volume of the convex hull of ``points`` (n, d) (a length for d = 1); 0 for too few or flat
    point sets."""
    n, d = points.shape
    if n <= d:
        return 0.0
    if d == 1:
        return float(np.ptp(points))
    hull = convex_hull(points)
    return 0.0 if hull is None else float(hull.volume)


def fraction_inside(hull_points: np.ndarray, points: np.ndarray, *, tol: float = 1e-9) -> float:
    """Fraction of ``points`` (m, d) inside the convex hull of ``hull_points`` (n, d) (boundary
    included, to ``tol`` relative to the hull's extent); 0 for a hull without volume."""
    n, d = hull_points.shape
    if len(points) == 0:
        return 0.0
    scale = float(np.ptp(hull_points, axis=0).max()) if n else 0.0
    if d == 1:
        lo, hi = hull_points.min(), hull_points.max()
        return float(np.mean((points[:, 0] >= lo - tol * scale) & (points[:, 0] <= hi + tol * scale))) if n else 0.0
    if n <= d:
        return 0.0
    hull = convex_hull(hull_points)
    if hull is None:
        return 0.0
    eq = hull.equations  # unit outward normals: n·x + b ≤ 0 inside
    return float(np.mean(np.all(points @ eq[:, :-1].T + eq[:, -1] <= tol * scale, axis=1)))


def volume_inside(hull_points: np.ndarray, region_points: np.ndarray, *, n_samples: int = 20000,
                  seed: int = 0) -> float | None:
    """Fraction of the volume of the hull of ``region_points`` that lies inside the hull of
    ``hull_points``, by Monte Carlo: ``n_samples`` points uniform in the region hull (a simplex of the
    Delaunay triangulation of its vertices drawn ∝ volume, then a uniform point in it; standard error
    ≤ 0.5/√n_samples). None when the region hull has no volume."""
    from math import factorial

    from scipy.spatial import Delaunay

    n, d = region_points.shape
    if n <= d or hull_volume(region_points) == 0.0:
        return None
    if d == 1:
        lo, hi = region_points.min(), region_points.max()
        x = np.random.default_rng(seed).uniform(lo, hi, (n_samples, 1))
        return fraction_inside(hull_points, x)
    vertices = region_points[convex_hull(region_points).vertices]
    simplices = vertices[Delaunay(vertices).simplices]  # (m, d + 1, d)
    volumes = np.abs(np.linalg.det(simplices[:, 1:] - simplices[:, :1])) / factorial(d)
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(simplices), size=n_samples, p=volumes / volumes.sum())
    weights = rng.dirichlet(np.ones(d + 1), size=n_samples)  # uniform in a simplex
    x = np.einsum("sk,skd->sd", weights, simplices[pick])
    return fraction_inside(hull_points, x)


def coverage(target: Target, values: np.ndarray, *, variance: float = 0.99, max_dim: int | None = 5,
             pca: PCA | None = None) -> dict:
    """V_rep of a set's per-atom descriptors ``values`` (n, n_features) against ``target``.

    Returns ``{"v_rep", "target_inside", "target_volume_inside", "n_dims", "n_dims_99", "capped"}``;
    ``v_rep`` is None when the target's hull has no volume (e.g. a perfect crystal); ``target_inside``
    is the fraction of the target's atoms inside the set's hull (:func:`fraction_inside`),
    ``target_volume_inside`` that of the target hull's volume (:func:`volume_inside`, Monte Carlo).
    """
    pca = pca or fit_pca(target.values, variance=variance, max_dim=max_dim)
    t_points, s_points = pca.project(target.values), pca.project(values)
    v_target = hull_volume(t_points)
    v_set = hull_volume(s_points)
    n = len(pca.variances)
    return {"v_rep": v_set / v_target if v_target > 0 else None,
            "target_inside": fraction_inside(s_points, t_points),
            "target_volume_inside": volume_inside(s_points, t_points) if v_target > 0 else None, "n_dims": n,
            "n_dims_99": pca.n_dims_variance, "capped": n < pca.n_dims_variance}


def moment_errors(values: np.ndarray, numbers: np.ndarray, target: Target, loss: MomentLoss | None = None) -> dict:
    """Per element: RMS over features of ΔM for each order (mean, μ2, μ3, μ4), root-scaled."""
    dm = moment_differences(values, numbers, target, loss or MomentLoss())
    out = {}
    for e, sym in enumerate(target.elements):
        if np.all(np.isnan(dm[e])):
            continue
        rms = np.sqrt(np.mean(dm[e] ** 2, axis=1))
        out[sym] = dict(zip(("mean", "mu2", "mu3", "mu4"), rms.tolist()))
    return out
