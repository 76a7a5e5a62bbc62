"""Flat integer/float tables that the ACE kernels read, built once from a list of functions.

Functions are grouped by center element (stable: the order within an element is kept, and it is
the feature order). Each function's m-combinations are merged with
:func:`~atomforge.descriptors.ace.coupling.merge_combinations`, and every (neighbour element,
n, l, |m|) it touches becomes one gradient "slot" (see ``_kernels``).
"""

from __future__ import annotations

from math import factorial, sqrt

import numpy as np

from ...errors import ConfigError
from .basis import ACEFunction
from .coupling import merge_combinations


def ylm_norms(lmax: int) -> np.ndarray:
    """N_lm = √((2l+1)(l−m)!/(l+m)!), shape (lmax+1, lmax+1) (zero for m > l)."""
    out = np.zeros((lmax + 1, lmax + 1))
    for l in range(lmax + 1):
        for m in range(l + 1):
            out[l, m] = sqrt((2 * l + 1) * factorial(l - m) / factorial(l + m))
    return out


def basis_sizes(functions: list[ACEFunction]) -> tuple[int, int, int]:
    """(nrad, lmax, nbase): largest n of rank ≥ 2, largest l, largest n of rank 1 (each ≥ 1 or 0)."""
    nrad = max([max(f.ns) for f in functions if f.rank > 1], default=1)
    nbase = max([f.ns[0] for f in functions if f.rank == 1], default=1)
    lmax = max(max(f.ls) for f in functions)
    return nrad, lmax, nbase


def check_function(f: ACEFunction, n_elements: int, where: str) -> None:
    """Raise ConfigError for labels the kernels cannot evaluate."""
    ms = f.ms
    bad = None
    if not 1 <= f.rank <= 6 or not (len(f.mus) == len(f.ls) == f.rank):
        bad = "rank 1..6 with one mu, n and l per position"
    elif not 0 <= f.mu0 < n_elements or min(f.mus) < 0 or max(f.mus) >= n_elements:
        bad = f"element indices below {n_elements}"
    elif min(f.ns) < 1 or min(f.ls) < 0 or (f.rank == 1 and f.ls[0] != 0):
        bad = "n ≥ 1, l ≥ 0 (rank 1: l = 0)"
    elif ms.shape != (len(f.coefs), f.rank) or np.any(np.abs(ms) > np.asarray(f.ls)[None, :]):
        bad = "one m-combination per coefficient with |m_t| ≤ l_t"
    elif np.any(ms.sum(axis=1) != 0):
        bad = "m-combinations with Σm = 0 (rotation invariance)"
    if bad:
        raise ConfigError(f"ACE: {where}: function mu0={f.mu0} mus={f.mus} ns={f.ns} ls={f.ls} "
                          f"is invalid: need {bad}")


def build_tables(functions: list[ACEFunction], n_elements: int, nrad: int, lmax: int, nbase: int):
    """Kernel tables for ``functions`` (see ``_kernels._center`` for the unpacking order).

    Returns
    -------
    tables : tuple
        (f_start (n_el+1,), f_combo (n_func+1,), c_coef (n_combs,), c_aidx, c_slot (n_combs, rmax)
        int64, c_conj (n_combs, rmax) int8, c_sign (n_combs, rmax), f_rank (n_func,),
        f_slots (n_func, n_el+1), slot_h (n_slots,), norm (lmax+1, lmax+1),
        dims [nrad, lmax, nbase, NA, NH, H, n_el]).
    order : ndarray (n_func,), int64
        Position in ``functions`` of each kernel function (grouped by center element).
    """
    H = (lmax + 1) * (lmax + 2) // 2
    L2 = (lmax + 1) ** 2
    NA, NH = nrad * L2 + nbase, nrad * H + nbase
    order = np.array(sorted(range(len(functions)), key=lambda k: functions[k].mu0), dtype=np.int64)
    rmax = max(f.rank for f in functions)
    f_start = np.searchsorted([functions[k].mu0 for k in order], np.arange(n_elements + 1)).astype(np.int64)
    f_combo, f_rank, f_slots, slot_h = [0], [], [], []
    coefs, aidx, slots, conj, sign = [], [], [], [], []
    for k in order:
        f = functions[k]
        labels = tuple(zip(f.mus, f.ns, f.ls))
        ms, cs = merge_combinations(f.ms, f.coefs, labels)
        touched = set()
        rows = []
        for m, c in zip(ms, cs):
            a_row, h_row = [-1] * rmax, [(0, 0)] * rmax
            for t, (mu, n, l) in enumerate(labels):
                if f.rank == 1:
                    a_row[t] = mu * NA + nrad * L2 + n - 1
                    h_row[t] = (mu, nrad * H + n - 1)
                else:
                    a_row[t] = mu * NA + (n - 1) * L2 + l * l + l + int(m[t])
                    h_row[t] = (mu, (n - 1) * H + l * (l + 1) // 2 + abs(int(m[t])))
                touched.add(h_row[t])
            rows.append((c, a_row, h_row, m))
        local = sorted(touched)
        first = len(slot_h)
        index = {key: first + q for q, key in enumerate(local)}
        slot_h.extend(h for _, h in local)
        mus_sorted = [mu for mu, _ in local]
        f_slots.append([first + int(np.searchsorted(mus_sorted, mu)) for mu in range(n_elements + 1)])
        for c, a_row, h_row, m in rows:
            coefs.append(c)
            aidx.append(a_row)
            slots.append([index[h] if t < f.rank else 0 for t, h in enumerate(h_row)])
            conj.append([1 if t < f.rank and f.rank > 1 and m[t] < 0 else 0 for t in range(rmax)])
            sign.append([(-1.0) ** int(m[t]) if t < f.rank else 1.0 for t in range(rmax)])
        f_combo.append(len(coefs))
        f_rank.append(f.rank)
    tables = (f_start, np.array(f_combo, np.int64), np.array(coefs, np.float64),
              np.array(aidx, np.int64).reshape(-1, rmax), np.array(slots, np.int64).reshape(-1, rmax),
              np.array(conj, np.int8).reshape(-1, rmax), np.array(sign, np.float64).reshape(-1, rmax),
              np.array(f_rank, np.int64), np.array(f_slots, np.int64).reshape(-1, n_elements + 1),
              np.array(slot_h, np.int64), ylm_norms(lmax),
              np.array([nrad, lmax, nbase, NA, NH, H, n_elements], np.int64))
    return tables, order


def pair_matrix(value, elements: list[str], name: str, default=None) -> np.ndarray:
    """A per-element-pair (n_el, n_el) float matrix from a number, a nested list, or None → default."""
    n = len(elements)
    if value is None:
        value = default
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return np.full((n, n), float(arr))
    if arr.shape != (n, n):
        raise ConfigError(f"ACE: '{name}' must be a number or an {n}×{n} list (element pairs "
                          f"[center][neighbour] in the order {elements}), got shape {arr.shape}")
    return arr.copy()


def radial_coefficients(value, n_elements: int, nrad: int, lmax: int, nbase: int) -> np.ndarray:
    """c_{nlk} per element pair, shape (n_el, n_el, nrad, lmax+1, nbase); None → δ_{nk}."""
    if value is None:
        crad = np.zeros((n_elements, n_elements, nrad, lmax + 1, nbase))
        for n in range(min(nrad, nbase)):
            crad[:, :, n, :, n] = 1.0
        return crad
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 3:
        arr = np.broadcast_to(arr, (n_elements, n_elements) + arr.shape)
    if arr.ndim != 5 or arr.shape[:2] != (n_elements, n_elements) or arr.shape[2] < nrad \
            or arr.shape[3] < lmax + 1:
        raise ConfigError(f"ACE: 'radcoefficients' must have shape (nrad ≥ {nrad}, lmax+1 ≥ "
                          f"{lmax + 1}, nbase) or ({n_elements}, {n_elements}, nrad, lmax+1, nbase), "
                          f"got {arr.shape}")
    out = np.zeros((n_elements, n_elements, nrad, lmax + 1, max(nbase, arr.shape[4])))
    out[..., : arr.shape[4]] = arr[:, :, :nrad, : lmax + 1, :]
    return out
