"""Index tables and Clebsch–Gordan coefficients of the SO(4) bispectrum (built once per twojmax).

All angular momenta are stored doubled, as in LAMMPS: ``j`` here is 2j, an integer 0..twojmax,
and a magnetic index ``ma`` in 0..j stands for m = ma − j/2.

Layout of the hyperspherical harmonics U_j (Thompson et al., J. Comput. Phys. 285, 316 (2015), eq. 6):
block ``j`` holds (j+1)×(j+1) complex numbers, row ``mb``, column ``ma``, at
``u_block[j] + (j+1)*mb + ma``.

The bispectrum B_{j1 j2 j} = Σ_{ma,mb} conj(U_j[ma,mb]) Z_{j1 j2}^j[ma,mb] (eq. 5) is real, and the
symmetry U_j[j−ma, j−mb] = (−1)^{ma+mb} conj(U_j[ma,mb]) (and the same for Z) halves every such
sum: twice the sum over the "compact" elements (rows 2mb < j, and in the middle row of even j
the columns ma < mb, the centre with weight 1/2). Z is computed only on compact elements.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from math import factorial, sqrt

import numpy as np


def clebsch_gordan(tj1: int, tm1: int, tj2: int, tm2: int, tj: int, tm: int) -> float:
    """⟨j1 m1 j2 m2 | j m⟩ with all arguments doubled (Racah's formula, exact in rationals)."""
    if tm1 + tm2 != tm or abs(tm1) > tj1 or abs(tm2) > tj2 or abs(tm) > tj:
        return 0.0
    if tj > tj1 + tj2 or tj < abs(tj1 - tj2) or (tj1 + tj2 + tj) % 2:
        return 0.0
    a, b, c = (tj1 + tj2 - tj) // 2, (tj1 - tj2 + tj) // 2, (-tj1 + tj2 + tj) // 2
    j1pm1, j1mm1 = (tj1 + tm1) // 2, (tj1 - tm1) // 2
    j2pm2, j2mm2 = (tj2 + tm2) // 2, (tj2 - tm2) // 2
    jpm, jmm = (tj + tm) // 2, (tj - tm) // 2
    pre = Fraction((tj + 1) * factorial(a) * factorial(b) * factorial(c),
                   factorial((tj1 + tj2 + tj) // 2 + 1))
    pre *= (factorial(j1pm1) * factorial(j1mm1) * factorial(j2pm2) * factorial(j2mm2)
            * factorial(jpm) * factorial(jmm))
    total = Fraction(0)
    for k in range(0, a + 1):
        d = [k, a - k, j1mm1 - k, j2pm2 - k, (tj - tj2 + tm1) // 2 + k, (tj - tj1 - tm2) // 2 + k]
        if min(d) < 0:
            continue
        den = 1
        for x in d:
            den *= factorial(x)
        total += Fraction((-1) ** k, den)
    return float(total) * sqrt(float(pre))


def bispectrum_triples(twojmax: int) -> list[tuple[int, int, int]]:
    """(j1, j2, j) of the bispectrum components in LAMMPS order: j1 ≥ j2, j ≥ j1, j1+j2+j even."""
    out = []
    for j1 in range(twojmax + 1):
        for j2 in range(j1 + 1):
            for j in range(j1 - j2, min(twojmax, j1 + j2) + 1, 2):
                if j >= j1:
                    out.append((j1, j2, j))
    return out


@dataclass(frozen=True)
class SnapTables:
    """Contiguous integer/float tables the kernels read (see the module docstring).

    Attributes
    ----------
    twojmax : int
    u_block : ndarray (twojmax+1,), int64
        Start of block j in the full U array; ``n_u`` elements in all.
    rootpq : ndarray (twojmax+2, twojmax+2)
        sqrt(p/q), the factors of the U recursion.
    comp_index, comp_weight : ndarray (n_comp,)
        Full-U index and weight (1 or 1/2) of each compact element; block j's compact elements
        are ``comp_start[j] : comp_start[j] + comp_count[j]``.
    zinfo : ndarray (n_z, 10), int64
        Per compact Z element: j1, j2, j, ma1min, ma2max, na, mb1min, mb2max, nb, cg offset.
        The first ``n_z_values`` rows are the Z blocks the values need (the triples of B, in order).
    cg : ndarray
        Clebsch–Gordan blocks, [(ma1, ma2)] row-major with ma2 fastest.
    bterm : ndarray (n_b, 3, 3), int64
        For the three terms of ∂B_k: Z offset, compact-U offset, count.
    bfac : ndarray (n_b, 3)
        Factors of those terms: 2, 2(j+1)/(j1+1), 2(j+1)/(j2+1).
    bj : ndarray (n_b,), int64
        The j of each B (for bzero = j+1).
    block_ptr, block_rows : ndarray (twojmax+2,), (n_rows,), int64
        The B whose gradient has a term in compact U block J (∂B = C·∂U is non-zero only there):
        ``block_rows[block_ptr[J] : block_ptr[J+1]]``, ascending.
    """

    twojmax: int
    u_block: np.ndarray
    n_u: int
    rootpq: np.ndarray
    comp_index: np.ndarray
    comp_weight: np.ndarray
    comp_start: np.ndarray
    comp_count: np.ndarray
    zinfo: np.ndarray
    n_z_values: int
    cg: np.ndarray
    bterm: np.ndarray
    bfac: np.ndarray
    bj: np.ndarray
    block_ptr: np.ndarray
    block_rows: np.ndarray


@lru_cache(maxsize=16)
def snap_tables(twojmax: int) -> SnapTables:
    """Build (and cache) the tables for ``twojmax``."""
    J = twojmax
    u_block = np.zeros(J + 1, dtype=np.int64)
    n_u = 0
    for j in range(J + 1):
        u_block[j] = n_u
        n_u += (j + 1) ** 2
    rootpq = np.zeros((J + 2, J + 2))
    for p in range(1, J + 2):
        for q in range(1, J + 2):
            rootpq[p, q] = sqrt(p / q)

    comp_index, comp_weight, comp_ma, comp_mb = [], [], [], []
    comp_start = np.zeros(J + 1, dtype=np.int64)
    comp_count = np.zeros(J + 1, dtype=np.int64)
    for j in range(J + 1):
        comp_start[j] = len(comp_index)
        for mb in range(j // 2 + 1):
            for ma in range(j + 1):
                if 2 * mb == j and ma > mb:
                    continue
                comp_index.append(u_block[j] + (j + 1) * mb + ma)
                comp_weight.append(0.5 if (2 * mb == j and ma == mb) else 1.0)
                comp_ma.append(ma)
                comp_mb.append(mb)
        comp_count[j] = len(comp_index) - comp_start[j]

    # Clebsch–Gordan blocks for every triple j1 >= j2, |j1-j2| <= j <= min(J, j1+j2)
    cg_off, cg = {}, []
    for j1 in range(J + 1):
        for j2 in range(j1 + 1):
            for j in range(j1 - j2, min(J, j1 + j2) + 1, 2):
                cg_off[j1, j2, j] = len(cg)
                for ma1 in range(j1 + 1):
                    for ma2 in range(j2 + 1):
                        tm1, tm2 = 2 * ma1 - j1, 2 * ma2 - j2
                        cg.append(clebsch_gordan(j1, tm1, j2, tm2, j, tm1 + tm2))

    triples_b = bispectrum_triples(J)
    rest = [t for t in cg_off if t not in set(triples_b)]
    z_off, zinfo = {}, []
    for (j1, j2, j) in triples_b + rest:
        z_off[j1, j2, j] = len(zinfo)
        for e in range(comp_start[j], comp_start[j] + comp_count[j]):
            row = [j1, j2, j]
            for m in (comp_ma[e], comp_mb[e]):
                s = (2 * m - j + j1 + j2) // 2       # m1 + m2 = m  ⇔  ma1 + ma2 = s
                m1min = max(0, s - j2)
                m1max = min(j1, s)
                row += [m1min, s - m1min, m1max - m1min + 1]
            row.append(cg_off[j1, j2, j])
            zinfo.append(row)
    n_b = len(triples_b)
    bterm = np.zeros((n_b, 3, 3), dtype=np.int64)
    bfac = np.zeros((n_b, 3))
    for k, (j1, j2, j) in enumerate(triples_b):
        for t, (zt, jd, fac) in enumerate((((j1, j2, j), j, 2.0),
                                           ((j, j2, j1), j1, 2.0 * (j + 1) / (j1 + 1)),
                                           ((j, j1, j2), j2, 2.0 * (j + 1) / (j2 + 1)))):
            bterm[k, t] = (z_off[zt], comp_start[jd], comp_count[jd])
            bfac[k, t] = fac
    n_z_values = sum(int(comp_count[j]) for (_, _, j) in triples_b)
    rows = [[k for k, t in enumerate(triples_b) if jd in t] for jd in range(J + 1)]
    block_ptr = np.cumsum([0] + [len(r) for r in rows]).astype(np.int64)
    return SnapTables(
        twojmax=J, u_block=u_block, n_u=n_u, rootpq=rootpq,
        comp_index=np.asarray(comp_index, dtype=np.int64),
        comp_weight=np.asarray(comp_weight, dtype=np.float64),
        comp_start=comp_start, comp_count=comp_count,
        zinfo=np.asarray(zinfo, dtype=np.int64).reshape(-1, 10), n_z_values=n_z_values,
        cg=np.asarray(cg, dtype=np.float64), bterm=bterm, bfac=bfac,
        bj=np.asarray([t[2] for t in triples_b], dtype=np.int64), block_ptr=block_ptr,
        block_rows=np.asarray([k for r in rows for k in r], dtype=np.int64))
