"""Property-based invariances of the bispectrum (hypothesis): rotation, translation, permutation,
supercell, and moving atoms by lattice vectors.

Gradient rows are compared image by image: a row ``(i, j)`` of ``pairs`` is keyed by
``(i, j, shift)`` with ``vectors = r_j + shift·cell − r_i``, so two outputs can be compared
whatever the order of their neighbour lists. A key missing on one side counts as a zero row (a
neighbour exactly at the cutoff, where the switching function and its slope vanish, may fall on
either side of it after a rotation), so the switching function is always on here.
"""

from __future__ import annotations

import numpy as np
from ase import Atoms
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from atomforge.descriptors import Bispectrum

CHEAP = settings(max_examples=8, deadline=None)
TOL = 1e-11          # relative to the largest |entry| of the array compared


@st.composite
def structures(draw):
    """A rattled, strained B2/bcc cell of 2 or 4 Ni/Al atoms (2.8–3.2 Å period: self images)."""
    a = draw(st.floats(2.8, 3.2))
    repeat = draw(st.sampled_from([(1, 1, 1), (2, 1, 1), (1, 1, 2)]))
    base = Atoms("X2", scaled_positions=[[0, 0, 0], [0.5, 0.5, 0.5]], cell=np.eye(3) * a,
                 pbc=True).repeat(repeat)
    n = len(base)
    strain = draw(arrays(float, (3, 3), elements=st.floats(-0.08, 0.08)))
    moves = draw(arrays(float, (n, 3), elements=st.floats(-0.25, 0.25)))
    symbols = draw(st.lists(st.sampled_from(["Ni", "Al"]), min_size=n, max_size=n))
    atoms = Atoms(symbols, scaled_positions=base.get_scaled_positions(),
                  cell=base.cell.array @ (np.eye(3) + strain), pbc=True)
    atoms.positions += moves
    return atoms


descriptors = st.builds(
    lambda twojmax, rcutfac, rmin0: Bispectrum(elements=["Ni", "Al"], twojmax=twojmax,
                                               rcutfac=rcutfac, radii=[0.5, 0.42],
                                               weights=[1.0, 0.63], rmin0=rmin0),
    twojmax=st.integers(2, 4), rcutfac=st.floats(3.0, 4.4), rmin0=st.sampled_from([0.0, 0.25]))


def rows_by_image(out, atoms) -> dict:
    """{(i, j, s0, s1, s2): grad row (n_features, 3)} with vectors = r_j + s·cell − r_i."""
    i, j = out.pairs[:, 0], out.pairs[:, 1]
    pos = atoms.positions
    frac = np.linalg.solve(atoms.cell.array.T, (out.vectors - pos[j] + pos[i]).T).T
    shift = np.rint(frac).astype(np.int64)
    np.testing.assert_allclose(frac, shift, atol=1e-8)
    keys = np.column_stack([i, j, shift]).tolist()
    assert len({tuple(k) for k in keys}) == len(keys)
    return {tuple(k): g for k, g in zip(keys, out.grad)}


def assert_rows_equal(expected: dict, actual: dict):
    scale = max(np.abs(g).max() for g in expected.values())
    zero = np.zeros_like(next(iter(expected.values())))
    worst = max(np.abs(expected.get(k, zero) - actual.get(k, zero)).max()
                for k in expected.keys() | actual.keys())
    assert worst <= TOL * scale, f"gradient rows differ by {worst:.3e} (scale {scale:.3e})"


def assert_values_equal(expected, actual):
    np.testing.assert_allclose(actual, expected, rtol=0, atol=TOL * np.abs(expected).max())


@st.composite
def rotations(draw):
    q = draw(arrays(float, 4, elements=st.floats(-1.0, 1.0)).filter(
        lambda v: np.linalg.norm(v) > 0.1))
    w, x, y, z = q / np.linalg.norm(q)
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                     [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                     [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])


@CHEAP
@given(atoms=structures(), desc=descriptors, rot=rotations())
def test_rotation_keeps_values_and_rotates_gradients(atoms, desc, rot):
    ref = desc.compute(atoms, gradients=True)
    turned = atoms.copy()
    turned.set_cell(atoms.cell.array @ rot.T, scale_atoms=False)
    turned.positions = atoms.positions @ rot.T
    out = desc.compute(turned, gradients=True)
    assert_values_equal(ref.values, out.values)
    expected = {k: g @ rot.T for k, g in rows_by_image(ref, atoms).items()}   # ∂B/∂r' = R ∂B/∂r
    assert_rows_equal(expected, rows_by_image(out, turned))


@CHEAP
@given(atoms=structures(), desc=descriptors,
       t=arrays(float, 3, elements=st.floats(-20.0, 20.0)))
def test_translation_changes_nothing(atoms, desc, t):
    ref = desc.compute(atoms, gradients=True)
    moved = atoms.copy()
    moved.positions += t
    out = desc.compute(moved, gradients=True)
    assert_values_equal(ref.values, out.values)
    assert_rows_equal(rows_by_image(ref, atoms), rows_by_image(out, moved))


@CHEAP
@given(data=st.data(), atoms=structures(), desc=descriptors)
def test_permutation_permutes_values_and_gradients(data, atoms, desc):
    perm = np.array(data.draw(st.permutations(range(len(atoms)))))
    new = np.argsort(perm)                        # new index of old atom o: new[o]
    ref = desc.compute(atoms, gradients=True)
    out = desc.compute(atoms[perm], gradients=True)
    assert_values_equal(ref.values[perm], out.values)
    expected = {(new[i], new[j], *s): g for (i, j, *s), g in rows_by_image(ref, atoms).items()}
    assert_rows_equal(expected, rows_by_image(out, atoms[perm]))


@CHEAP
@given(atoms=structures(), desc=descriptors, axis=st.integers(0, 2))
def test_doubled_cell_repeats_values_and_gradients(atoms, desc, axis):
    n = len(atoms)
    reps = [1, 1, 1]
    reps[axis] = 2
    big = atoms.repeat(reps)                      # copy c of atom k is atom k + c·n
    ref = desc.compute(atoms, gradients=True)
    out = desc.compute(big, gradients=True)
    assert_values_equal(np.tile(ref.values, (2, 1)), out.values)
    expected = {}
    for (i, j, *s), g in rows_by_image(ref, atoms).items():
        for c in (0, 1):
            s_big = list(s)
            s_big[axis] = (c + s[axis]) // 2      # neighbour image lands in copy (c + s) mod 2
            expected[(i + c * n, j + (c + s[axis]) % 2 * n, *s_big)] = g
    assert_rows_equal(expected, rows_by_image(out, big))


@CHEAP
@given(data=st.data(), atoms=structures(), desc=descriptors)
def test_moving_atoms_by_lattice_vectors_changes_only_the_image_labels(data, atoms, desc):
    n_shift = data.draw(arrays(np.int64, (len(atoms), 3), elements=st.integers(-2, 2)))
    ref = desc.compute(atoms, gradients=True)
    moved = atoms.copy()
    moved.positions += n_shift @ atoms.cell.array
    out = desc.compute(moved, gradients=True)
    assert_values_equal(ref.values, out.values)
    # r_j + s·cell − r_i = r'_j + (s + n_i − n_j)·cell − r'_i
    expected = {(i, j, *(np.array(s) + n_shift[i] - n_shift[j])): g
                for (i, j, *s), g in rows_by_image(ref, atoms).items()}
    assert_rows_equal(expected, rows_by_image(out, moved))
