"""An entropy-based alternative to the moment loss: kernel densities in whitened PCA space.

    Q_ent = mean_i [log p_set,−i(z_i) − log p_T(z_i)]  ≈ KL(p_set ‖ p_T)

over the set's atoms z_i (whitened target-PCA coordinates, :mod:`.coverage`), with Gaussian
kernels of Scott's bandwidth n^(−1/(d+4)); p_set,−i leaves atom i out. It is small when the set
spreads like the target and grows when the set crowds into part of it. Used by annealing-type
searches (no forces).
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from .coverage import PCA


def _log_kde(points: np.ndarray, centers: np.ndarray, h: float, leave_out: bool) -> np.ndarray:
    d2 = ((points[:, None, :] - centers[None, :, :]) ** 2).sum(-1) / h ** 2  # (n, m)
    if leave_out:
        np.fill_diagonal(d2, np.inf)
    m = len(centers) - (1 if leave_out else 0)
    d = points.shape[1]
    return logsumexp(-0.5 * d2, axis=1) - np.log(m) - d * np.log(h) - 0.5 * d * np.log(2 * np.pi)


def entropy_loss(values: np.ndarray, target_points: np.ndarray, pca: PCA) -> float:
    """Q_ent of the set's descriptors ``values`` (n ≥ 2, n_features); ``target_points`` are the
    target's whitened coordinates (m, d) (a subsample is enough)."""
    z = pca.whiten(values)
    d = z.shape[1]
    h_set = len(z) ** (-1.0 / (d + 4))
    h_t = len(target_points) ** (-1.0 / (d + 4))
    return float(np.mean(_log_kde(z, z, h_set, True) - _log_kde(z, target_points, h_t, False)))
