"""The enumerated ACE basis is linearly independent and complete, and its size matches python-ace.

Independence: the matrix of B values over many random environments (rows) has full column rank.
Completeness: every generalized Clebsch–Gordan coupling of every ordered tuple of one-particle
labels (no symmetrization, no parity filter: the brute-force set of Dusson et al. 2022, Sec. 3)
spans no more than the enumerated basis does: rank(brute) = rank([ours, brute]) = count.
Couplings of odd Σl have a vanishing real part (they are pseudo-scalars).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from ase import Atoms

from atomforge.descriptors import ACE
from atomforge.descriptors.ace import count_functions, enumerate_functions
from atomforge.descriptors.ace.coupling import coupling_tensor, coupling_trees, ms_combinations

RC = 4.0
SPACING = 3.0 * RC  # clusters this far apart do not see each other


def environments(elements, n_env, max_neighbours, seed):
    """``n_env`` isolated clusters: a center of ``elements[0]`` and 2..max random neighbours."""
    rng = np.random.default_rng(seed)
    symbols, positions, centers = [], [], []
    for k in range(n_env):
        centers.append(len(symbols))
        symbols.append(elements[0])
        positions.append([SPACING * k, 0.0, 0.0])
        for _ in range(rng.integers(2, max_neighbours + 1)):
            d = rng.normal(size=3)
            d *= rng.uniform(0.8, RC - 0.2) / np.linalg.norm(d)
            symbols.append(elements[rng.integers(len(elements))])
            positions.append([SPACING * k + d[0], d[1], d[2]])
    return Atoms(symbols, positions=positions), np.array(centers)


def singular_values(matrix):
    """Singular values of ``matrix`` with unit-norm columns (numerically zero columns dropped)."""
    norms = np.linalg.norm(matrix, axis=0)
    keep = norms > 1e-12 * norms.max()
    return np.linalg.svd(matrix[:, keep] / norms[keep], compute_uv=False)


def numerical_rank(matrix):
    s = singular_values(matrix)
    rank = int((s > 1e-9 * s[0]).sum())
    if rank < len(s):  # the gap between kept and dropped singular values must be clear
        assert s[rank] < 1e-12 * s[0] and s[rank - 1] > 1e-7 * s[0], s[max(rank - 3, 0):rank + 3]
    return rank


def brute_force_functions(n_elements, nmax, lmax):
    """Every coupling tree of every ordered label tuple, ranks ≥ 2, as .yace dicts (center 0)."""
    funcs, odd = [], []
    for rank in range(2, len(nmax) + 1):
        singles = [(mu, n, l) for mu in range(n_elements) for n in range(1, nmax[rank - 1] + 1)
                   for l in range(lmax[rank - 1] + 1)]
        for labels in itertools.product(singles, repeat=rank):
            ls = tuple(v[2] for v in labels)
            for tree in coupling_trees(ls):
                ms, coefs = ms_combinations(ls, coupling_tensor(ls, tree))
                funcs.append({"mu0": 0, "mus": [v[0] for v in labels], "ns": [v[1] for v in labels],
                              "ls": list(ls), "ms_combs": ms.ravel().tolist(), "ctildes": coefs.tolist()})
                odd.append(sum(ls) % 2 == 1)
    return funcs, np.array(odd)


BASES = {  # id → (elements, nmax, lmax, environments, max neighbours)
    "NiAl-r4": (["Ni", "Al"], [3, 2, 2, 1], [0, 2, 2, 1], 450, 8),
    "Cu-r5": (["Cu"], [2, 2, 2, 1, 1], [0, 3, 2, 2, 1], 400, 12),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(BASES))
def test_basis_is_independent_and_complete(case):
    elements, nmax, lmax, n_env, max_nb = BASES[case]
    atoms, centers = environments(elements, n_env, max_nb, seed=1)
    ours = ACE(elements=elements, nmax=nmax, lmax=lmax, rcut=RC, radial_lambda=2.0)
    count = ours.n_features
    assert count < n_env / 1.5
    values = ours.compute(atoms).values[centers]
    assert numerical_rank(values) == count

    funcs, odd = brute_force_functions(len(elements), nmax, lmax)
    rank1 = [f.to_yace() for f in enumerate_functions(len(elements), nmax, lmax) if f.mu0 == 0 and f.rank == 1]
    brute = ACE(elements=elements, rcut=RC, radial_lambda=2.0, functions=rank1 + funcs)
    brute_values = brute.compute(atoms).values[centers][:, len(rank1):]
    scale = np.abs(brute_values).max(axis=0)
    assert np.all(scale[odd] < 1e-12 * scale.max()), "odd Σl couplings should have no real part"
    assert numerical_rank(np.hstack([values[:, :len(rank1)], brute_values])) == count
    assert numerical_rank(np.hstack([values, brute_values])) == count


@pytest.mark.parametrize("n_elements, nmax, lmax", [
    (1, [8, 2, 2, 1], [0, 2, 2, 1]), (2, [8, 2, 2, 1], [0, 2, 2, 1]), (3, [4, 2, 2, 1], [0, 2, 2, 1]),
    (1, [8, 4, 3, 2], [0, 3, 2, 1]), (1, [8, 6, 3, 2], [0, 4, 3, 2]), (2, [3, 3, 2, 2, 1], [0, 2, 2, 2, 1]),
])
def test_counts_per_rank_equal_python_ace(n_elements, nmax, lmax):
    pytest.importorskip("pyace", reason="python-ace not installed (pip install --pre python-ace==0.4.0rc1)")
    from pyace.basis import ACEBBasisSet
    from pyace.multispecies_basisextension import create_multispecies_basis_config

    elements = ["Ni", "Al", "Cu"][:n_elements]
    basis = ACEBBasisSet(create_multispecies_basis_config({
        "deltaSplineBins": 0.001, "elements": elements,
        "embeddings": {"ALL": {"npot": "FinnisSinclair", "fs_parameters": [1, 1], "ndensity": 1}},
        "bonds": {"ALL": {"radbase": "ChebExpCos", "radparameters": [5.25], "rcut": 5.0, "dcut": 0.01}},
        "functions": {"ALL": {"nradmax_by_orders": nmax, "lmax_by_orders": lmax}}}))
    theirs = {1: len(basis.basis_rank1[0])}
    for f in basis.basis[0]:
        theirs[f.rank] = theirs.get(f.rank, 0) + 1
    assert count_functions(n_elements, nmax, lmax) == theirs


def test_degree_selects_inside_the_box():
    box = [f for f in enumerate_functions(1, [10, 6, 4], [0, 4, 3]) if f.mu0 == 0]
    sparse = [f for f in enumerate_functions(1, [10, 6, 4], [0, 4, 3], degree=[10, 8, 7]) if f.mu0 == 0]
    keep = [f for f in box if sum(n + 1.5 * l for n, l in zip(f.ns, f.ls)) <= [10, 8, 7][f.rank - 1]]
    assert [(f.mus, f.ns, f.ls, f.tree) for f in sparse] == [(f.mus, f.ns, f.ls, f.tree) for f in keep]
    assert 0 < len(sparse) < len(box)
