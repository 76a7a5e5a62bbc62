"""How well a set of structures covers a target: PCA-space hull volume ratio and moment errors.

PCA is fitted on the target's per-atom descriptors, each feature standardised by the target's
mean and standard deviation (raw features differ in scale by orders of magnitude, and a few
highly compressed structures would otherwise own the first axis); its dimension is the smallest reaching
``variance`` (99 %) of the variance, capped at ``max_dim`` (5 by default): qhull's cost and the
number of points needed to fill a hull grow steeply with dimension, so beyond the cap the
coverage is that of the projection on the leading ``max_dim`` components (the report says
which was used). V_rep = V_hull(set) / V_hull(target) in that space; points outside the target
hull can make it exceed 1.
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


def hull_volume(points: np.ndarray) -> float:
    """Volume of the convex hull of ``points`` (n, d) (a length for d = 1); 0 for too few or flat
    point sets."""
    n, d = points.shape
    if n <= d:
        return 0.0
    if d == 1:
        return float(np.ptp(points))
    try:
        return float(ConvexHull(points).volume)
    except QhullError:
        return 0.0


def coverage(target: Target, values: np.ndarray, *, variance: float = 0.99, max_dim: int | None = 5,
             pca: PCA | None = None) -> dict:
    """V_rep of a set's per-atom descriptors ``values`` (n, n_features) against ``target``.

    Returns ``{"v_rep", "n_dims", "n_dims_99", "capped"}``; ``v_rep`` is None when the target's
    hull has no volume (e.g. a perfect crystal).
    """
    pca = pca or fit_pca(target.values, variance=variance, max_dim=max_dim)
    v_target = hull_volume(pca.project(target.values))
    v_set = hull_volume(pca.project(values))
    n = len(pca.variances)
    return {"v_rep": v_set / v_target if v_target > 0 else None, "n_dims": n,
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
