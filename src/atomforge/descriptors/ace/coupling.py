"""Rotation-invariant couplings of ACE atomic-base products, adapted to permutations.

A rank-N function of one-particle labels v_t = (μ_t, n_t, l_t) is
``B = Re Σ_m C(m) Π_t A_{v_t m_t}``. The generalized Clebsch–Gordan couplings (Drautz, Phys. Rev. B
99, 014104 (2019), Eq. 27; Dusson et al., J. Comput. Phys. 454, 110946 (2022), Sec. 3) couple
l1⊗l2 → L1, L1⊗l3 → L2, …, L_{N-2}⊗l_N → 0; every sequence of intermediate L's gives one invariant
coefficient tensor C[m_1, …, m_N].

The product Π_t A_{v_t m_t} is symmetric under permutations of positions that carry the same
label, so only the symmetrized tensor P·C matters (P: average over that stabilizer group). The
couplings of one multiset of labels can therefore be linearly dependent; :func:`independent_couplings`
keeps a maximal independent subset, chosen greedily in the order of their intermediate L's
(permutation adaptation, Goff et al., J. Comput. Phys. 510, 113073 (2024)). Their span is the
whole space of symmetric invariants (P commutes with rotations), so the set is complete.

Parity: Y_lm(−r̂) = (−1)^l Y_lm, so the invariant of an odd Σl is odd under inversion; it is also
purely imaginary (conj A_{lm} = (−1)^m A_{l,−m}), so its real part vanishes. Only even Σl are kept.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from functools import lru_cache
from math import factorial, sqrt

import numpy as np


@lru_cache(maxsize=None)
def clebsch_gordan(l1: int, l2: int, L: int) -> np.ndarray:
    """⟨l1 m1 l2 m2 | L M⟩ as an array [m1 + l1, m2 + l2, M + L] (Racah's formula, exact rationals).

    Condon–Shortley convention; zero unless |l1 − l2| ≤ L ≤ l1 + l2 and M = m1 + m2.
    """
    out = np.zeros((2 * l1 + 1, 2 * l2 + 1, 2 * L + 1))
    if not abs(l1 - l2) <= L <= l1 + l2:
        return out
    f = factorial
    pre = Fraction((2 * L + 1) * f(L + l1 - l2) * f(L - l1 + l2) * f(l1 + l2 - L), f(l1 + l2 + L + 1))
    for m1 in range(-l1, l1 + 1):
        for m2 in range(-l2, l2 + 1):
            M = m1 + m2
            if abs(M) > L:
                continue
            norm = pre * f(L + M) * f(L - M) * f(l1 - m1) * f(l1 + m1) * f(l2 - m2) * f(l2 + m2)
            total = Fraction(0)
            for k in range(0, l1 + l2 - L + 1):
                den = [k, l1 + l2 - L - k, l1 - m1 - k, l2 + m2 - k, L - l2 + m1 + k, L - l1 - m2 + k]
                if min(den) < 0:
                    continue
                term = Fraction(1, int(np.prod([f(d) for d in den], dtype=object)))
                total += -term if k % 2 else term
            if total:
                sign = 1.0 if total > 0 else -1.0
                out[m1 + l1, m2 + l2, M + L] = sign * sqrt(norm * total * total)
    return out


def coupling_trees(ls: tuple[int, ...]) -> list[tuple[int, ...]]:
    """All admissible intermediate sequences (L_1, …, L_{N-3}) for ``ls`` (N = len(ls) ≥ 2).

    Rank 2 and 3 have one tree (the empty sequence) when the l's can couple to 0 at all;
    rank N ≥ 4 has one tree per L_1 … L_{N-3} with L_{N-2} = l_N implied.
    """
    n = len(ls)
    if n == 2:
        return [()] if ls[0] == ls[1] else []
    trees = []

    def grow(Ls: tuple[int, ...]):
        k = len(Ls)  # Ls[k-1] couples ls[0..k]
        if k == n - 2:
            if Ls[-1] == ls[-1]:
                trees.append(Ls[:-1])
            return
        prev = Ls[-1] if Ls else ls[0]
        for L in range(abs(prev - ls[k + 1]), prev + ls[k + 1] + 1):
            grow(Ls + (L,))

    grow(())
    return trees


def coupling_tensor(ls: tuple[int, ...], tree: tuple[int, ...]) -> np.ndarray:
    """The generalized Clebsch–Gordan tensor C[m_1 + l_1, …, m_N + l_N] of one coupling tree.

    ``tree`` is (L_1, …, L_{N-3}) from :func:`coupling_trees`; the last coupling L ⊗ l_N → 0
    contributes ⟨L M l_N −M | 0 0⟩ = (−1)^{L−M}/√(2L+1).
    """
    n = len(ls)
    if n == 2:
        return clebsch_gordan(ls[0], ls[1], 0)[:, :, 0].copy()
    Ls = tuple(tree) + (ls[-1],)  # Ls[k] couples ls[0..k+1]
    x = clebsch_gordan(ls[0], ls[1], Ls[0])  # (m1, m2, M1)
    for k in range(2, n - 1):
        cg = clebsch_gordan(Ls[k - 2], ls[k], Ls[k - 1])  # (M_{k-1}, m_k, M_k)
        x = np.tensordot(x, cg, axes=([x.ndim - 1], [0]))  # (..., m_k, M_k)
    last = clebsch_gordan(Ls[-1], ls[-1], 0)[:, :, 0]  # (M, m_N)
    return np.tensordot(x, last, axes=([x.ndim - 1], [0]))


def _stabilizer(labels: tuple) -> list[tuple[int, ...]]:
    """Permutations of positions that map ``labels`` onto itself (as axis orders)."""
    blocks: dict = {}
    for t, v in enumerate(labels):
        blocks.setdefault(v, []).append(t)
    groups = [list(itertools.permutations(b)) for b in blocks.values()]
    perms = []
    for choice in itertools.product(*groups):
        order = list(range(len(labels)))
        for block, perm in zip(blocks.values(), choice):
            for src, dst in zip(block, perm):
                order[src] = dst
        perms.append(tuple(order))
    return perms


@lru_cache(maxsize=None)
def independent_couplings(ls: tuple[int, ...], pattern: tuple[int, ...]) -> tuple:
    """Independent symmetrized couplings for l's ``ls`` whose equal labels are marked by ``pattern``.

    Parameters
    ----------
    ls : tuple of int
        Angular momenta of the N positions (even sum).
    pattern : tuple of int
        Position t carries label ``pattern[t]``; equal numbers mark equal (μ, n, l) labels.

    Returns
    -------
    tuple of (tree, tensor)
        The greedily chosen trees (intermediate L's) and their symmetrized coefficient tensors,
        shape (2l_1+1, …, 2l_N+1); as many as the dimension of the symmetric invariants.
    """
    perms = _stabilizer(pattern)
    chosen, basis = [], []
    for tree in coupling_trees(ls):
        c = coupling_tensor(ls, tree)
        sym = sum(np.transpose(c, p) for p in perms) / len(perms)
        v = sym.ravel().copy()
        for q in basis:
            v -= (q @ v) * q
        norm = np.linalg.norm(v)
        if norm > 1e-9 * np.linalg.norm(c):  # c is a unit vector (orthonormal trees)
            basis.append(v / norm)
            chosen.append((tree, sym))
    return tuple(chosen)


def ms_combinations(ls: tuple[int, ...], tensor: np.ndarray):
    """Nonzero entries of a coupling tensor as ``(ms (n_combs, N) int64, coefs (n_combs,))``."""
    idx = np.argwhere(np.abs(tensor) > 1e-14 * max(np.abs(tensor).max(), 1e-300))
    return (idx - np.asarray(ls)[None, :]).astype(np.int64), tensor[tuple(idx.T)]


def merge_combinations(ms: np.ndarray, coefs: np.ndarray, labels: tuple):
    """Merge m-combinations that give the same real part of Π_t A_{v_t m_t}; same B, fewer terms.

    Two m-tuples are merged when one is a permutation of the other among positions with equal
    labels ``v_t``, or its negation: Re Π A_{−m} = Re Π A_m because A_{l,−m} = (−1)^m conj A_{lm}
    and Σm = 0. The representative is the smallest of the sorted forms of m and −m.
    """
    blocks: dict = {}
    for t, v in enumerate(labels):
        blocks.setdefault(v, []).append(t)
    merged: dict = {}
    for m, c in zip(np.asarray(ms), coefs):
        forms = []
        for mm in (m, -m):
            key = np.array(mm)
            for block in blocks.values():
                key[block] = np.sort(mm[block])
            forms.append(tuple(int(x) for x in key))
        key = min(forms)
        merged[key] = merged.get(key, 0.0) + float(c)
    scale = max((abs(c) for c in merged.values()), default=0.0)
    keys = [k for k, c in merged.items() if abs(c) > 1e-14 * scale]
    return (np.array(keys, dtype=np.int64).reshape(len(keys), len(labels)),
            np.array([merged[k] for k in keys]))
