"""Choice of the inducing (sparse) environments of a GP: farthest-point sampling or CUR.

Both return indices in the order chosen, so that the first k of them are themselves a choice of k
(the marginal likelihood uses a prefix). Environments closer than ``tol`` to one already chosen
are never chosen (repeated environments, as in a perfect crystal, would make Kmm singular), so
fewer than ``n`` indices come back when there are fewer distinct environments.
"""

from __future__ import annotations

import numpy as np

from ...errors import ConfigError


def farthest_point_sampling(x: np.ndarray, n: int, tol: float = 1e-8) -> np.ndarray:
    """Greedy farthest-point sampling of rows of ``x`` (n_points, n_features), Euclidean.

    Starts from the point farthest from the mean; each next point maximises the distance to the
    nearest point chosen so far. Returns int64 indices, at most ``n``.
    """
    x = np.asarray(x, dtype=float)
    if len(x) == 0:
        return np.zeros(0, dtype=np.int64)
    first = int(np.argmax(((x - x.mean(0)) ** 2).sum(1)))
    chosen = [first]
    nearest = ((x - x[first]) ** 2).sum(1)
    while len(chosen) < n:
        nxt = int(np.argmax(nearest))
        if nearest[nxt] <= tol * tol:
            break
        chosen.append(nxt)
        nearest = np.minimum(nearest, ((x - x[nxt]) ** 2).sum(1))
    return np.array(chosen, dtype=np.int64)


def cur_sampling(x: np.ndarray, n: int, seed: int = 0, tol: float = 1e-8) -> np.ndarray:
    """Rows of ``x`` sampled without replacement with probability ∝ their statistical leverage.

    The leverage of row i is Σ_k U_ik² over the left singular vectors of ``x`` (the CUR row
    selection of Mahoney & Drineas, PNAS 106, 697 (2009), eq. 3, with rank = n_features).
    Returns int64 indices, at most ``n``.
    """
    x = np.asarray(x, dtype=float)
    if len(x) == 0:
        return np.zeros(0, dtype=np.int64)
    u, s, _ = np.linalg.svd(x, full_matrices=False)
    keep = s > 1e-12 * s[0] if s[0] > 0 else np.ones(len(s), dtype=bool)
    lev = (u[:, keep] ** 2).sum(1)
    # successive weighted draws without replacement = ascending Exp(1)/leverage (Efraimidis & Spirakis 2006)
    keys = np.random.default_rng(seed).exponential(size=len(x)) / np.maximum(lev, 1e-300)
    order = np.argsort(keys, kind="stable")
    chosen: list[int] = []
    for i in order:
        if len(chosen) == n:
            break
        if not chosen or ((x[chosen] - x[i]) ** 2).sum(1).min() > tol * tol:
            chosen.append(int(i))
    return np.array(chosen, dtype=np.int64)


def select_inducing(x: np.ndarray, n: int, method: str, seed: int = 0) -> np.ndarray:
    """Indices of up to ``n`` inducing rows of ``x`` by ``method`` ("fps" or "cur")."""
    if method == "fps":
        return farthest_point_sampling(x, n)
    if method == "cur":
        return cur_sampling(x, n, seed)
    raise ConfigError(f"unknown selection {method!r}; known: ['cur', 'fps']")
