"""Conformance of every registered descriptor with the Descriptor protocol (descriptors/base.py).

Each name in ``atomforge.descriptors.DESCRIPTORS`` needs at least one entry in ``SPECS``: a small
spec that covers Ni and Al (the test structure is a rattled B2 NiAl cell with a 2.88 Å period, so
a neighbour can be a periodic image of the center itself). A new descriptor gets a spec line here
and is then held to the same checks: output shapes and dtypes, self rows and ordering of the sparse
pairs, pair vectors that are lattice images, a zero net gradient (translation invariance), the
JSON round trip of ``to_dict``/``from_dict``, feature names, unknown-key errors, and values that do
not depend on whether gradients were asked for.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from ase.build import bulk

from atomforge.data import Frame
from atomforge.descriptors import DESCRIPTORS, Descriptor, make_descriptor
from atomforge.errors import ConfigError

# (registry name, hyperparameters), with a readable id; add one line per new descriptor
SPECS = {
    "snap": ("snap", dict(elements=["Ni", "Al"], twojmax=4, rcutfac=3.9, radii=[0.5, 0.42],
                          weights=[1.0, 0.63], rmin0=0.2)),
    "snap-quadratic-2J3": ("snap", dict(elements=["Ni", "Al"], twojmax=3, rcutfac=3.9,
                                        radii=[0.5, 0.42], weights=[1.0, 0.63], switchflag=0,
                                        bzeroflag=1, quadratic=True)),
}


def nial_frame():
    atoms = bulk("NiAl", "cesiumchloride", a=2.88).repeat((2, 2, 1))
    atoms.positions += np.random.default_rng(11).normal(0.0, 0.08, atoms.positions.shape)
    return Frame(atoms, energy=-40.0)


@pytest.fixture(scope="module", params=list(SPECS))
def computed(request):
    """(registry name, spec, descriptor, frame, values-only output, output with gradients)."""
    name, spec = SPECS[request.param]
    desc = DESCRIPTORS[name](**spec)
    frame = nial_frame()
    return name, spec, desc, frame, desc.compute(frame), desc.compute(frame, gradients=True)


def test_every_registered_descriptor_has_a_spec():
    assert set(DESCRIPTORS) <= {name for name, _ in SPECS.values()}


def test_registry_names_and_protocol(computed):
    name, spec, desc, *_ = computed
    assert DESCRIPTORS[name].name == name
    assert isinstance(desc, Descriptor)
    assert isinstance(desc.cutoff, float) and desc.cutoff > 0
    assert isinstance(desc.n_features, int) and desc.n_features > 0


def test_feature_names(computed):
    _, _, desc, _, out, _ = computed
    names = desc.feature_names
    assert isinstance(names, tuple) and all(isinstance(s, str) and s for s in names)
    assert len(names) == desc.n_features == out.n_features
    assert len(set(names)) == len(names)


def test_output_shapes_and_dtypes(computed):
    _, _, desc, frame, plain, full = computed
    n, m = frame.n_atoms, desc.n_features
    for out in (plain, full):
        assert out.values.shape == (n, m) and out.values.dtype == np.float64
        assert out.numbers.dtype == np.int64
        np.testing.assert_array_equal(out.numbers, frame.atoms.numbers)
        assert np.all(np.isfinite(out.values))
    assert plain.pairs is None and plain.grad is None and plain.vectors is None
    assert not plain.has_gradients and full.has_gradients
    n_pairs = full.pairs.shape[0]
    assert full.pairs.shape == (n_pairs, 2) and full.pairs.dtype == np.int64
    assert full.grad.shape == (n_pairs, m, 3) and full.grad.dtype == np.float64
    assert full.vectors.shape == (n_pairs, 3) and full.vectors.dtype == np.float64
    assert np.all(np.isfinite(full.grad))
    assert full.pairs.min() >= 0 and full.pairs.max() < n


def test_pairs_sorted_with_one_self_row_per_center(computed):
    _, _, desc, frame, _, out = computed
    i, j = out.pairs[:, 0], out.pairs[:, 1]
    assert np.all(np.diff(i) >= 0), "pairs not sorted by center"
    self_rows = (i == j) & np.all(out.vectors == 0.0, axis=1)
    np.testing.assert_array_equal(np.bincount(i[self_rows], minlength=frame.n_atoms), 1)
    # the structure has neighbours that are images of the center itself: i == j, vector ≠ 0
    assert np.any((i == j) & ~self_rows)


def test_pair_vectors_are_lattice_images(computed):
    _, _, desc, frame, _, out = computed
    pos, cell = frame.atoms.positions, frame.atoms.cell.array
    shift = np.linalg.solve(cell.T, (out.vectors - (pos[out.pairs[:, 1]] - pos[out.pairs[:, 0]])).T)
    np.testing.assert_allclose(shift, np.round(shift), atol=1e-9)
    assert np.linalg.norm(out.vectors, axis=1).max() <= desc.cutoff


def test_net_gradient_of_each_center_is_zero(computed):
    # moving every atom by the same vector leaves B_i unchanged: Σ_j ∂B_i/∂r_j = 0 for each i
    _, _, desc, frame, _, out = computed
    net = np.zeros((frame.n_atoms, desc.n_features, 3))
    np.add.at(net, out.pairs[:, 0], out.grad)
    np.testing.assert_allclose(net, 0.0, atol=1e-12 * np.abs(out.grad).max())


def test_values_do_not_depend_on_gradients_flag(computed):
    *_, plain, full = computed
    np.testing.assert_array_equal(plain.values, full.values)


def test_to_dict_is_json_and_round_trips(computed):
    name, spec, desc, frame, plain, _ = computed
    text = json.dumps(desc.to_dict())
    rebuilt = type(desc).from_dict(json.loads(text))
    assert json.dumps(rebuilt.to_dict()) == text
    made = make_descriptor({"name": name, **json.loads(text)})
    assert type(made) is type(desc) and made.to_dict() == desc.to_dict()
    np.testing.assert_array_equal(made.compute(frame).values, plain.values)


def test_unknown_hyperparameter_is_named(computed):
    name, spec, desc, *_ = computed
    with pytest.raises(ConfigError, match="not_a_hyperparameter"):
        type(desc).from_dict({**desc.to_dict(), "not_a_hyperparameter": 1})
    with pytest.raises(ConfigError, match="not_a_hyperparameter"):
        make_descriptor({"name": name, **spec, "not_a_hyperparameter": 1})


def test_misspelt_hyperparameter_suggests_the_known_key(computed):
    _, spec, desc, *_ = computed
    key = max(spec, key=len)
    typo = key[:-1]
    with pytest.raises(ConfigError, match=f"{typo}.*did you mean '{key}'"):
        type(desc).from_dict({**{k: v for k, v in spec.items() if k != key}, typo: spec[key]})


def test_unknown_descriptor_name_lists_the_known_ones():
    with pytest.raises(ConfigError, match="'nope'.*" + ".*".join(sorted(DESCRIPTORS))):
        make_descriptor({"name": "nope"})
