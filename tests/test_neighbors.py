"""neighbor_list (vesin) against a brute-force enumeration of every pair under every shift."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk, molecule
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atomforge.neighbors import neighbor_list
from naive.neighbors import brute_force_pairs


def as_dict(nl):
    return {(int(i), int(j), *map(int, s)): float(d)
            for i, j, s, d in zip(nl.i, nl.j, nl.shifts, nl.distances)}


def assert_matches_brute_force(atoms, cutoff):
    nl = neighbor_list(atoms, cutoff)
    got = as_dict(nl)
    ref = brute_force_pairs(atoms.positions, atoms.cell.array, atoms.pbc, cutoff)
    assert set(got) == set(ref), (f"missing {sorted(set(ref) - set(got))[:5]}, "
                                  f"extra {sorted(set(got) - set(ref))[:5]}")
    keys = sorted(ref)
    np.testing.assert_allclose([got[k] for k in keys], [ref[k] for k in keys], rtol=0, atol=1e-12)
    # vectors = r_j + shift·cell − r_i, and their norms are the distances
    expected = atoms.positions[nl.j] + nl.shifts @ atoms.cell.array - atoms.positions[nl.i]
    np.testing.assert_allclose(nl.vectors, expected, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(nl.vectors, axis=1), nl.distances, atol=1e-12)
    # a full list: each pair appears in both directions with the opposite shift
    assert all((j, i, -a, -b, -c) in got for (i, j, a, b, c) in got)
    # sorted by center, and offsets delimit each center's pairs
    assert np.all(np.diff(nl.i) >= 0)
    offsets = nl.offsets(len(atoms))
    assert offsets[-1] == nl.n_pairs
    for a in range(len(atoms)):
        assert np.all(nl.i[offsets[a]:offsets[a + 1]] == a)
    return nl


def random_triclinic(seed, n_atoms):
    rng = np.random.default_rng(seed)
    cell = np.diag(rng.uniform(3.0, 6.0, 3)) + np.triu(rng.uniform(-1.5, 1.5, (3, 3)), 1)
    return Atoms(numbers=rng.integers(1, 30, n_atoms), cell=cell, pbc=True,
                 scaled_positions=rng.uniform(0, 1, (n_atoms, 3)))


def slab(pbc, seed=1):
    rng = np.random.default_rng(seed)
    cell = np.array([[3.2, 0.0, 0.0], [1.1, 3.0, 0.0], [0.0, 0.0, 0.0]])
    if not pbc[2]:
        cell[2] = [0.0, 0.0, 0.0]
    positions = rng.uniform(0, 3, (5, 3)) + [0, 0, 0]
    positions[:, 2] = rng.uniform(-4, 4, 5)  # beyond the (empty) cell along z
    return Atoms("Cu5", positions=positions, cell=cell, pbc=pbc)


CASES = {
    "triclinic-8-atoms-rc4": (random_triclinic(0, 8), 4.0),
    "triclinic-3-atoms-rc7-larger-than-cell": (random_triclinic(1, 3), 7.0),
    "bcc-1-atom-rc5": (bulk("Fe", "bcc", a=2.87), 5.0),
    "fcc-1-atom-rc6": (bulk("Cu", "fcc", a=3.61), 6.0),
    "molecule-no-pbc": (molecule("CH3CH2OH"), 3.0),
    "molecule-with-cell-no-pbc": (Atoms(molecule("H2O"), cell=[2, 2, 2], pbc=False), 5.0),
    "slab-pbc-xy-zero-c": (slab([True, True, False]), 5.0),
    "wire-pbc-x": (Atoms("Cu3", positions=[[0, 0, 0], [1.2, 1.0, 0], [2.0, -1, 1]],
                         cell=[[2.5, 0, 0], [0, 0, 0], [0, 0, 0]],
                         pbc=[True, False, False]), 4.5),
    "slab-pbc-xz-tilted": (Atoms("Cu4", positions=np.random.default_rng(3).uniform(0, 3, (4, 3)),
                                 cell=[[3, 0, 0], [0.5, 8, 0], [1.0, 0.5, 3]],
                                 pbc=[True, False, True]), 4.0),
}


@pytest.mark.parametrize("atoms, cutoff", list(CASES.values()), ids=list(CASES))
def test_matches_brute_force(atoms, cutoff):
    assert_matches_brute_force(atoms, cutoff)


def test_bcc_one_atom_counts_shells():
    """bcc a=2.87 Å within 5 Å: 8 + 6 + 12 + 24 + 8 neighbors (shells at a√3/2, a, a√2, a√11/2, a√3)."""
    nl = assert_matches_brute_force(bulk("Fe", "bcc", a=2.87), 5.0)
    assert nl.n_pairs == 8 + 6 + 12 + 24 + 8
    assert np.all(nl.i == 0) and np.all(nl.j == 0)


def test_rejects_non_positive_cutoff():
    with pytest.raises(ValueError, match="cutoff"):
        neighbor_list(bulk("Cu"), 0.0)


def test_empty_structure_has_no_pairs():
    assert neighbor_list(Atoms(), 3.0).n_pairs == 0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n_atoms=st.integers(1, 6),
       cutoff=st.floats(1.0, 6.0), pbc=st.tuples(st.booleans(), st.booleans(), st.booleans()))
def test_random_cells_match_brute_force(seed, n_atoms, cutoff, pbc):
    atoms = random_triclinic(seed, n_atoms)
    atoms.pbc = pbc
    assert_matches_brute_force(atoms, cutoff)
