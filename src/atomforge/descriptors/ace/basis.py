"""ACE basis functions: their labels, couplings, and the complete independent set per rank.

One function of center element μ0 and rank N is ``B = Re Σ_c coef_c Π_t A_{μ_t n_t l_t m_ct}``
(rank 1: ``B = A_{μ n 0 0}`` built from the radial base g_n). :class:`ACEFunction` holds exactly
what a ``.yace`` file stores for it (mu0, mus, ns, ls, ms_combs, ctildes), so a basis read from a
file and one enumerated here are the same kind of object.

:func:`enumerate_functions` builds the complete, linearly independent basis of
Dusson et al. (J. Comput. Phys. 454, 110946 (2022)) for per-rank limits: rank N uses
1 ≤ n ≤ nmax[N-1], lmin[N-1] ≤ l ≤ lmax[N-1], every neighbour element, every multiset of
one-particle labels with even Σl, and the permutation-adapted couplings of
:func:`~atomforge.descriptors.ace.coupling.independent_couplings`. The labels do not depend on
the center element, so feature k means the same label for every center element.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import ConfigError
from .coupling import independent_couplings, merge_combinations, ms_combinations


@dataclass(frozen=True, eq=False)
class ACEFunction:
    """One basis function B of center element ``mu0``.

    Attributes
    ----------
    mu0 : int
        Center element index.
    mus, ns, ls : tuple of int, length rank
        Neighbour element index, radial index (1-based, as in ``.yace``), angular momentum.
    ms : ndarray, shape (n_combs, rank), int64
        m-combinations (``.yace`` ``ms_combs``).
    coefs : ndarray, shape (n_combs,)
        Their coefficients (``.yace`` ``ctildes``, one density).
    tree : tuple of int or None
        Intermediate L's of the coupling (enumerated functions only).
    """

    mu0: int
    mus: tuple
    ns: tuple
    ls: tuple
    ms: np.ndarray
    coefs: np.ndarray
    tree: tuple | None = None

    @property
    def rank(self) -> int:
        return len(self.ns)

    def label(self, elements: list[str]) -> str:
        """Center-independent name, e.g. ``B3[Ni1l1,Ni2l1,Al1l2]`` (``|L=…`` for rank ≥ 4)."""
        parts = ",".join(f"{elements[m]}{n}l{l}" for m, n, l in zip(self.mus, self.ns, self.ls))
        tree = f"|L={'.'.join(map(str, self.tree))}" if self.tree else ""
        return f"B{self.rank}[{parts}{tree}]"

    def to_yace(self) -> dict:
        """The ``.yace`` dict of this function (one density)."""
        return {"mu0": int(self.mu0), "rank": self.rank, "mus": list(map(int, self.mus)),
                "ns": list(map(int, self.ns)), "ls": list(map(int, self.ls)),
                "ms_combs": [int(x) for x in self.ms.ravel()], "ctildes": [float(c) for c in self.coefs]}

    @classmethod
    def from_yace(cls, spec: dict) -> "ACEFunction":
        """From a ``.yace`` function dict (``ms_combs`` flat, ``ctildes`` of density 0)."""
        rank = len(spec["ns"])
        ms = np.asarray(spec["ms_combs"], dtype=np.int64).reshape(-1, rank)
        coefs = np.asarray(spec["ctildes"], dtype=np.float64)
        if len(coefs) != len(ms):  # several densities: ctildes[combination * ndensity + density]
            ndens = len(coefs) // len(ms)
            coefs = coefs.reshape(len(ms), ndens)[:, 0]
        return cls(int(spec["mu0"]), tuple(map(int, spec["mus"])), tuple(map(int, spec["ns"])),
                   tuple(map(int, spec["ls"])), ms, coefs)


def per_rank(values, n_ranks: int, name: str, default: int | None = None) -> list[int]:
    """A per-rank integer list, checked (``None`` → all ``default``)."""
    if values is None:
        return [default] * n_ranks
    values = [int(v) for v in values]
    if len(values) != n_ranks:
        raise ConfigError(f"ACE: '{name}' must have one entry per rank ({n_ranks}), got {values}")
    return values


def _multisets(singles: list, rank: int, degree: float | None, l_weight: float):
    """Sorted multisets of ``rank`` one-particle labels (l, μ, n) with Σ(n + w·l) ≤ degree."""
    cost = [n + l_weight * l for l, _, n in singles]
    cheapest = min(cost)
    limit = np.inf if degree is None else degree + 1e-9

    def grow(start: int, picked: tuple, total: float):
        if len(picked) == rank:
            yield tuple(singles[k] for k in picked)
            return
        for k in range(start, len(singles)):
            if total + cost[k] + (rank - len(picked) - 1) * cheapest <= limit:
                yield from grow(k, picked + (k,), total + cost[k])

    yield from grow(0, (), 0.0)


def neighbour_labels(n_elements: int, nmax: list[int], lmax: list[int], lmin: list[int],
                     degree: list[float] | None = None, l_weight: float = 1.5):
    """(mus, ns, ls, ms, coefs, tree) of every function for one center, rank by rank."""
    out = []
    for mu in range(n_elements):  # rank 1: A_{mu n 0 0}
        for n in range(1, nmax[0] + 1):
            if degree is None or n <= degree[0] + 1e-9:
                out.append(((mu,), (n,), (0,), np.zeros((1, 1), np.int64), np.ones(1), None))
    for rank in range(2, len(nmax) + 1):
        singles = [(l, mu, n) for l in range(lmin[rank - 1], lmax[rank - 1] + 1)
                   for mu in range(n_elements) for n in range(1, nmax[rank - 1] + 1)]
        for combo in _multisets(singles, rank, None if degree is None else degree[rank - 1], l_weight):
            ls = tuple(v[0] for v in combo)
            if sum(ls) % 2:
                continue
            first: dict = {}
            pattern = tuple(first.setdefault(v, len(first)) for v in combo)
            for tree, tensor in independent_couplings(ls, pattern):
                ms, coefs = merge_combinations(*ms_combinations(ls, tensor), pattern)
                out.append((tuple(v[1] for v in combo), tuple(v[2] for v in combo), ls,
                            ms, coefs, tree if rank >= 4 else None))
    return out


def _limits(nmax, lmax, lmin, degree):
    """Checked per-rank lists (nmax, lmax, lmin, degree or None)."""
    n_ranks = len(nmax)
    if not 1 <= n_ranks <= 5:
        raise ConfigError(f"ACE: 'nmax' must list 1 to 5 ranks, got {list(nmax)}")
    nmax = per_rank(nmax, n_ranks, "nmax")
    lmax = per_rank(lmax, n_ranks, "lmax")
    lmin = per_rank(lmin, n_ranks, "lmin", default=0)
    if degree is not None:
        degree = [float(d) for d in degree]
        if len(degree) != n_ranks:
            raise ConfigError(f"ACE: 'degree' must have one entry per rank ({n_ranks}), got {degree}")
    if lmax[0] != 0:
        raise ConfigError(f"ACE: rank-1 functions have l = 0; 'lmax' must start with 0, got {lmax}")
    if min(nmax) < 1 or min(lmin) < 0 or any(a > b for a, b in zip(lmin, lmax)):
        raise ConfigError(f"ACE: need nmax ≥ 1 and 0 ≤ lmin ≤ lmax per rank, got "
                          f"nmax={nmax}, lmin={lmin}, lmax={lmax}")
    return nmax, lmax, lmin, degree


def enumerate_functions(n_elements: int, nmax, lmax, lmin=None, degree=None,
                        l_weight: float = 1.5) -> list[ACEFunction]:
    """The complete independent ACE basis, center element by center element.

    Parameters
    ----------
    n_elements : int
    nmax, lmax : list of int
        Per rank (rank 1 first); ``len(nmax)`` is the largest rank (1 to 5). ``lmax[0]`` must be 0.
    lmin : list of int, optional
        Per-rank smallest l (default 0).
    degree : list of float, optional
        Per-rank total degree: keep a rank-N function only if Σ_t (n_t + l_weight·l_t) ≤
        degree[N-1] (a sparse, ACEpotentials.jl-like selection inside the nmax/lmax box).
    l_weight : float
        Weight of l in the degree (ACE1x's default wL = 1.5).

    Returns
    -------
    list of ACEFunction
        ``n_elements`` blocks of equal length, the same labels in the same order in each.
    """
    labels = neighbour_labels(n_elements, *_limits(nmax, lmax, lmin, degree), l_weight)
    return [ACEFunction(mu0, *lab) for mu0 in range(n_elements) for lab in labels]


def count_functions(n_elements: int, nmax, lmax, lmin=None, degree=None,
                    l_weight: float = 1.5) -> dict[int, int]:
    """Number of functions per center element, by rank: {rank: count}."""
    labels = neighbour_labels(n_elements, *_limits(nmax, lmax, lmin, degree), l_weight)
    counts: dict[int, int] = {}
    for lab in labels:
        counts[len(lab[1])] = counts.get(len(lab[1]), 0) + 1
    return counts
