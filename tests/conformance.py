"""Conformance checks of the Descriptor protocol, run for every registered descriptor.

Like scikit-learn's ``check_estimator``: each ``check_*`` function takes a descriptor instance and
asserts one property every descriptor must have. ``tests/test_protocols.py`` runs them all for
each entry of ``atomforge.descriptors.DESCRIPTORS`` (built with its default hyperparameters for
Ni and Al, plus the variants listed there), so a new descriptor is held to them by registering it.
A test that registers a class of its own calls :func:`descriptor_checks` the same way.

Structures: a rattled B2 NiAl cell (2.88 Å period: neighbours that are images of the center
itself), a six-atom triclinic Ni/Al cell smaller than any cutoff used here, a one-atom fcc cell,
and an atom with no neighbour.
"""

from __future__ import annotations

import functools
import json

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk
from scipy.spatial.transform import Rotation

from atomforge.chain_rule import forces_and_stress
from atomforge.data import Frame
from atomforge.descriptors import DESCRIPTORS, Descriptor, make_descriptor
from atomforge.errors import ConfigError, DataError
from finite_differences import numeric_position_derivative, numeric_strain_derivative

ELEMENTS = ["Ni", "Al"]


# --- structures ------------------------------------------------------------------------------
def nial_b2() -> Atoms:
    atoms = bulk("NiAl", "cesiumchloride", a=2.88).repeat((2, 2, 1))
    atoms.positions += np.random.default_rng(11).normal(0.0, 0.08, atoms.positions.shape)
    return atoms


def triclinic_nial() -> Atoms:
    """Six atoms (3 Ni, 3 Al) in a triclinic cell with edges ~4 Å, nearest distance > 2 Å."""
    return _triclinic_nial().copy()


@functools.lru_cache(maxsize=1)
def _triclinic_nial() -> Atoms:
    cell = np.array([[4.1, 0.0, 0.0], [1.3, 3.9, 0.0], [0.7, 1.1, 4.3]])
    rng = np.random.default_rng(3)
    frac = []
    while len(frac) < 6:  # random sequential addition
        trial = frac + [rng.random(3)]
        atoms = Atoms(f"X{len(trial)}", scaled_positions=trial, cell=cell, pbc=True)
        if len(trial) == 1 or atoms.get_distances(len(trial) - 1, range(len(trial) - 1), mic=True).min() > 2.0:
            frac = trial
    return Atoms("Ni3Al3", scaled_positions=frac, cell=cell, pbc=True)


def dense_gradient(out, n_atoms: int) -> np.ndarray:
    """∂B_i/∂r_j as a dense array (n_atoms, n_features, n_atoms, 3) from the sparse rows."""
    dense = np.zeros((n_atoms, out.n_features, n_atoms, 3))
    np.add.at(dense, (out.pairs[:, 0], slice(None), out.pairs[:, 1]), out.grad)
    return dense


def _scale(values) -> float:
    return max(1.0, float(np.abs(values).max()))


# --- checks ----------------------------------------------------------------------------------
def check_protocol(desc):
    assert isinstance(desc, Descriptor)
    assert DESCRIPTORS[desc.name] is type(desc)
    assert isinstance(desc.cutoff, float) and desc.cutoff > 0
    assert isinstance(desc.n_features, int) and desc.n_features > 0
    names = desc.feature_names
    assert isinstance(names, tuple) and all(isinstance(s, str) and s for s in names)
    assert len(names) == desc.n_features and len(set(names)) == len(names)


def check_shapes_and_dtypes(desc):
    frame = Frame(nial_b2())
    plain, full = desc.compute(frame), desc.compute(frame, gradients=True)
    n, m = frame.n_atoms, desc.n_features
    for out in (plain, full):
        assert out.values.shape == (n, m) and out.values.dtype == np.float64
        assert out.numbers.dtype == np.int64
        np.testing.assert_array_equal(out.numbers, frame.atoms.numbers)
        assert np.all(np.isfinite(out.values))
    assert plain.pairs is None and plain.grad is None and plain.vectors is None
    n_pairs = full.pairs.shape[0]
    assert full.pairs.shape == (n_pairs, 2) and full.pairs.dtype == np.int64
    assert full.grad.shape == (n_pairs, m, 3) and full.grad.dtype == np.float64
    assert full.vectors.shape == (n_pairs, 3) and full.vectors.dtype == np.float64
    assert np.all(np.isfinite(full.grad))
    np.testing.assert_array_equal(plain.values, full.values)


def check_sparse_layout(desc):
    """Sorted by center, one self row per center, pair vectors that are lattice images."""
    atoms = nial_b2()
    out = desc.compute(atoms, gradients=True)
    i, j = out.pairs[:, 0], out.pairs[:, 1]
    assert np.all(np.diff(i) >= 0), "pairs not sorted by center"
    self_rows = (i == j) & np.all(out.vectors == 0.0, axis=1)
    np.testing.assert_array_equal(np.bincount(i[self_rows], minlength=len(atoms)), 1)
    assert np.any((i == j) & ~self_rows), "no row for a periodic image of the center itself"
    pos, cell = atoms.positions, atoms.cell.array
    shift = np.linalg.solve(cell.T, (out.vectors - (pos[j] - pos[i])).T)
    np.testing.assert_allclose(shift, np.round(shift), atol=1e-9)
    assert np.linalg.norm(out.vectors, axis=1).max() <= desc.cutoff
    net = np.zeros((len(atoms), desc.n_features, 3))  # translation: Σ_j ∂B_i/∂r_j = 0
    np.add.at(net, i, out.grad)
    np.testing.assert_allclose(net, 0.0, atol=1e-11 * _scale(out.grad))


def check_gradients_equal_finite_differences(desc):
    atoms = triclinic_nial()
    out = desc.compute(atoms, gradients=True)

    def values(p):
        a = atoms.copy()
        a.positions = p
        return desc.compute(a).values

    numeric = numeric_position_derivative(values, atoms.positions, h=1e-5)  # (n, 3, n, m)
    numeric = numeric.transpose(2, 3, 0, 1)  # (n_atoms i, n_features, n_atoms j, 3)
    dense = dense_gradient(out, len(atoms))
    np.testing.assert_allclose(dense, numeric, atol=1e-7 * _scale(dense), rtol=1e-6)


def check_virial_equals_strain_derivative(desc):
    """σ of the energy-like sum S = Σ_i c·B_i from the chain rule equals (1/V) ∂S/∂ε."""
    atoms = triclinic_nial()
    c = np.random.default_rng(1).normal(size=desc.n_features)
    out = desc.compute(atoms, gradients=True)
    _, stress = forces_and_stress(np.tile(c, (len(atoms), 1)), out, atoms.get_volume())
    numeric = numeric_strain_derivative(lambda a: float((desc.compute(a).values @ c).sum()), atoms)
    np.testing.assert_allclose(stress, numeric, atol=1e-7 * _scale(stress), rtol=1e-6)


def check_rotation_inversion_translation(desc):
    atoms = triclinic_nial()
    ref = desc.compute(atoms).values
    rot = Rotation.random(random_state=4).as_matrix()
    for m in (rot, -rot):  # a proper rotation, then with the inversion
        moved = atoms.copy()
        moved.set_cell(atoms.cell.array @ m.T, scale_atoms=False)
        moved.positions = atoms.positions @ m.T
        np.testing.assert_allclose(desc.compute(moved).values, ref, atol=1e-10 * _scale(ref), rtol=1e-9)
    shifted = atoms.copy()
    shifted.positions += np.array([0.37, -1.21, 2.05])
    np.testing.assert_allclose(desc.compute(shifted).values, ref, atol=1e-10 * _scale(ref), rtol=1e-9)


def check_permutation(desc):
    atoms = triclinic_nial()
    ref = desc.compute(atoms).values
    order = np.array([2, 0, 1, 5, 3, 4])  # Ni among Ni, Al among Al
    assert (atoms.numbers[order] == atoms.numbers).all()
    np.testing.assert_allclose(desc.compute(atoms[order]).values, ref[order],
                               atol=1e-10 * _scale(ref), rtol=1e-9)
    swapped = atoms[[3, 4, 5, 0, 1, 2]]  # a reordering across elements: values follow the atoms
    np.testing.assert_allclose(desc.compute(swapped).values, ref[[3, 4, 5, 0, 1, 2]],
                               atol=1e-10 * _scale(ref), rtol=1e-9)


def check_supercell(desc):
    """A cell and its 2×2×2 supercell give equal per-atom values (also for a cell below the cutoff)."""
    for atoms in (triclinic_nial(), bulk("Ni", "fcc", a=3.52)):
        ref = desc.compute(atoms).values
        big = desc.compute(atoms.repeat((2, 2, 2))).values
        np.testing.assert_allclose(big, np.tile(ref, (8, 1)), atol=1e-10 * _scale(ref), rtol=1e-9)


def check_atom_without_neighbours(desc):
    """An atom beyond the cutoff of all others: the values of a lone atom, one zero self row."""
    far = 2.0 * desc.cutoff + 5.0
    atoms = Atoms("Ni2Al", positions=[[0, 0, 0], [2.3, 0, 0], [far, 0, 0]], cell=[3 * far] * 3, pbc=False)
    out = desc.compute(atoms, gradients=True)
    lone = desc.compute(Atoms("Al", positions=[[0, 0, 0]]), gradients=True)
    assert np.all(np.isfinite(out.values))
    np.testing.assert_allclose(out.values[2], lone.values[0], atol=1e-12, rtol=1e-12)
    rows = out.pairs[:, 0] == 2
    np.testing.assert_array_equal(out.pairs[rows], [[2, 2]])
    np.testing.assert_array_equal(out.grad[rows], 0.0)
    assert lone.pairs.tolist() == [[0, 0]] and not lone.grad.any()


def check_json_round_trip(desc):
    text = json.dumps(desc.to_dict())
    rebuilt = type(desc).from_dict(json.loads(text))
    assert json.dumps(rebuilt.to_dict()) == text
    made = make_descriptor({"name": desc.name, **json.loads(text)})
    assert type(made) is type(desc) and made.to_dict() == desc.to_dict()
    atoms = nial_b2()
    np.testing.assert_array_equal(made.compute(atoms).values, desc.compute(atoms).values)


def check_unknown_and_misspelt_keys(desc):
    spec = desc.to_dict()
    with pytest.raises(ConfigError, match="not_a_hyperparameter"):
        type(desc).from_dict({**spec, "not_a_hyperparameter": 1})
    with pytest.raises(ConfigError, match="not_a_hyperparameter"):
        make_descriptor({"name": desc.name, **spec, "not_a_hyperparameter": 1})
    key = max(spec, key=len)
    typo = key[:-1]
    with pytest.raises(ConfigError, match=f"{typo}.*did you mean '{key}'"):
        type(desc).from_dict({**{k: v for k, v in spec.items() if k != key}, typo: spec[key]})


def check_unknown_element(desc):
    """An atom of an element the descriptor was not built for is a DataError naming the element."""
    atoms = nial_b2()
    atoms[0].symbol = "Xe"
    with pytest.raises(DataError, match=r"\['Xe'\] not in the descriptor's elements"):
        desc.compute(atoms)


DESCRIPTOR_CHECKS = [check_protocol, check_shapes_and_dtypes, check_sparse_layout,
                     check_gradients_equal_finite_differences, check_virial_equals_strain_derivative,
                     check_rotation_inversion_translation, check_permutation, check_supercell,
                     check_atom_without_neighbours, check_json_round_trip, check_unknown_and_misspelt_keys,
                     check_unknown_element]


def descriptor_checks(desc) -> None:
    """Run every descriptor check on ``desc`` (for a class registered inside a test)."""
    for check in DESCRIPTOR_CHECKS:
        check(desc)


# --- models and potentials -------------------------------------------------------------------
def emt_nial_frames(n_frames: int = 5) -> list[Frame]:
    """Rattled and strained B2 NiAl cells (8 atoms) labelled by ASE's EMT: a tiny training set."""
    from ase.calculators.emt import EMT

    rng = np.random.default_rng(21)
    frames = []
    for k in range(n_frames):
        atoms = bulk("NiAl", "cesiumchloride", a=2.88 * (0.97 + 0.015 * k)).repeat((2, 2, 2))
        atoms.positions += rng.normal(0.0, 0.1, atoms.positions.shape)
        atoms.calc = EMT()
        frames.append(Frame(atoms.copy(), energy=atoms.get_potential_energy(), forces=atoms.get_forces(),
                            stress=atoms.get_stress(), group=f"g{k % 2}"))
    return frames


def fit_config(model: dict, descriptor: dict | None = None, **sections):
    """A parsed fit configuration for ``model`` on a small bispectrum (or ``descriptor``)."""
    from atomforge.fitting.config import parse_config

    raw = {"species": ELEMENTS, "data": {"train": [{"path": "unused"}]},
           "descriptor": descriptor or {"name": "snap", "twojmax": 2, "rcutfac": 4.0},
           "model": model, "weights": {"energy": 100.0, "force": 1.0, "stress": 0.1}, **sections}
    return parse_config(raw, "conformance")


def fitted_potential(model: dict, descriptor: dict | None = None):
    """A DescriptorPotential fitted through the trainer registry (fit_dataset) to EMT NiAl frames."""
    from atomforge.data import Dataset
    from atomforge.fitting import fit_dataset

    potential, _ = fit_dataset(Dataset(emt_nial_frames(), "emt"), fit_config(model, descriptor))
    return potential


def check_model_protocol(potential):
    from atomforge.fitting.trainers import TRAINERS
    from atomforge.models import MODELS, Model

    model = potential.model
    assert isinstance(model, Model) and MODELS[model.name] is type(model)
    assert model.trainer in TRAINERS
    assert list(model.species) == ELEMENTS


def check_model_not_fitted_error(potential):
    from atomforge.errors import NotFittedError

    spec, _ = potential.model.to_dict()
    unfitted = type(potential.model).from_dict(spec, {})
    out = potential.descriptor.compute(nial_b2())
    with pytest.raises(NotFittedError):
        unfitted.predict(out.values, out.numbers)


def check_model_derivative_equals_finite_differences(potential):
    """∂E_i/∂B_i from predict equals central differences of the predicted energies."""
    out = potential.descriptor.compute(nial_b2())
    energies, de_db = potential.model.predict(out.values, out.numbers)
    assert energies.shape == (out.n_atoms,) and de_db.shape == out.values.shape
    h = 1e-6 * max(1.0, float(np.abs(out.values).max()))
    numeric = np.zeros_like(de_db)
    for k in range(out.n_features):
        up, down = out.values.copy(), out.values.copy()
        up[:, k] += h
        down[:, k] -= h
        numeric[:, k] = (potential.model.predict(up, out.numbers)[0] - potential.model.predict(down, out.numbers)[0]) / (2 * h)
    np.testing.assert_allclose(de_db, numeric, rtol=1e-6, atol=1e-7 * max(1.0, float(np.abs(de_db).max())))


def check_model_round_trip(potential):
    from atomforge.models import make_model

    spec, arrays = potential.model.to_dict()
    rebuilt = make_model(json.loads(json.dumps(spec)), {k: np.array(v) for k, v in arrays.items()})
    out = potential.descriptor.compute(nial_b2())
    for a, b in zip(rebuilt.predict(out.values, out.numbers), potential.model.predict(out.values, out.numbers)):
        np.testing.assert_array_equal(a, b)


def check_potential_forces_and_stress(potential):
    """Forces and stress of the potential's calculator equal finite differences of its energy."""
    from finite_differences import numeric_forces, numeric_stress

    atoms = triclinic_nial()
    atoms.calc = potential.calculator()
    forces, stress = atoms.get_forces(), atoms.get_stress()
    scale = max(1.0, float(np.abs(forces).max()))
    np.testing.assert_allclose(forces, numeric_forces(atoms), atol=1e-6 * scale)
    np.testing.assert_allclose(stress, numeric_stress(atoms), atol=1e-7 * scale)


def check_potential_file_round_trip(potential, tmp_path):
    import atomforge

    again = atomforge.load(potential.save(tmp_path / "conformance"))
    atoms = triclinic_nial()
    a, b = potential.evaluate(atoms), again.evaluate(atoms)
    assert a.energy == b.energy
    np.testing.assert_array_equal(a.forces, b.forces)


MODEL_CHECKS = [check_model_protocol, check_model_not_fitted_error, check_model_derivative_equals_finite_differences,
                check_model_round_trip, check_potential_forces_and_stress]


def model_checks(potential, tmp_path) -> None:
    """Run every model and potential check on a fitted ``potential`` (for a class registered in a test)."""
    for check in MODEL_CHECKS:
        check(potential)
    check_potential_file_round_trip(potential, tmp_path)
