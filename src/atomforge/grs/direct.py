"""DIRECT-style selection (Qi et al., 2024) as a baseline for data-set reduction: structures are
described by their mean per-atom descriptor, standardised and whitened in a PCA keeping 99 % of
the variance (capped at ``max_dim``), clustered by k-means into ``k`` clusters, and the structure nearest
each cluster centre is chosen."""

from __future__ import annotations

import numpy as np
from scipy.cluster.vq import kmeans2

from .coverage import fit_pca


def direct_select(features: np.ndarray, k: int, *, variance: float = 0.99, max_dim: int | None = 10,
                  seed: int = 0) -> np.ndarray:
    """Indices (≤ k, sorted, distinct) of the chosen structures.

    Parameters
    ----------
    features : ndarray, shape (n_structures, n_features)
        One vector per structure (e.g. the mean of its per-atom descriptors).
    """
    k = min(k, len(features))
    pca = fit_pca(features, variance=variance, max_dim=max_dim)
    z = pca.whiten(features)
    centers, labels = kmeans2(z, k, minit="++", seed=np.random.default_rng(seed))
    chosen = set()
    for c in range(k):
        members = np.flatnonzero(labels == c)
        if len(members):
            chosen.add(int(members[np.argmin(((z[members] - centers[c]) ** 2).sum(1))]))
    return np.array(sorted(chosen), dtype=np.int64)
