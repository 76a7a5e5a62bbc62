"""DescriptorPotential on the bispectrum (SNAP): derivatives, files, and fits that must recover a known potential."""

import zipfile

import numpy as np
import pytest
from ase.build import bulk

import atomforge
from atomforge.data import Frame
from atomforge.descriptors.snap import Bispectrum
from atomforge.errors import NotFittedError, PotentialFileError
from atomforge.fitting import FitWeights
from atomforge.fitting.linear import DesignMatrix, fit_least_squares, frame_rows
from atomforge.models import DescriptorPotential, LinearModel, QuadraticModel
from atomforge.pairs import ZBL
from finite_differences import numeric_forces, numeric_stress


def _cell(seed=0, n=(2, 2, 2)):
    atoms = bulk("Cu", "fcc", a=3.6) * n
    atoms.set_cell(atoms.cell.array @ np.array([[1.0, 0.05, -0.02], [0.0, 1.03, 0.04], [0.02, 0.0, 0.97]]),
                   scale_atoms=True)
    atoms.symbols[[1, 3, 6]] = "Au"
    atoms.rattle(0.1, seed=seed)
    return atoms


def _potential(quadratic=True, zbl=True, seed=0, twojmax=4):
    rng = np.random.default_rng(seed)
    d = Bispectrum(elements=["Cu", "Au"], twojmax=twojmax, rcutfac=2.2, radii=[0.5, 0.6], weights=[1.0, 0.7])
    model = (QuadraticModel if quadratic else LinearModel)(species=["Cu", "Au"])
    nt = model.n_terms(d.n_features)
    model.set_coefficients(np.column_stack([[-3.7, -3.1], 0.003 * rng.normal(size=(2, nt))]))
    return DescriptorPotential(d, model, ZBL(1.6, 2.4, {"Cu": 29.0, "Au": 79.0}) if zbl else None)


def test_forces_and_stress_are_energy_derivatives():
    atoms = _cell()
    atoms.calc = _potential().calculator()
    np.testing.assert_allclose(atoms.get_forces(), numeric_forces(atoms, h=1e-5), atol=2e-7)
    np.testing.assert_allclose(atoms.get_stress(), numeric_stress(atoms, h=1e-6), atol=2e-8)
    np.testing.assert_allclose(atoms.get_potential_energies().sum(), atoms.get_potential_energy(), rtol=1e-13)


def test_save_load_round_trip(tmp_path):
    pot = _potential()
    path = pot.save(tmp_path / "p")
    again = atomforge.load(path)
    atoms = _cell(seed=1)
    a, b = pot.evaluate(atoms), again.evaluate(atoms)
    assert a.energy == b.energy
    np.testing.assert_array_equal(a.forces, b.forces)
    np.testing.assert_array_equal(a.stress, b.stress)
    assert again.pair.to_dict() == pot.pair.to_dict()


def test_bad_files_give_clear_errors(tmp_path):
    path = _potential().save(tmp_path / "p")
    data = path.read_bytes()
    (tmp_path / "cut.atomforge").write_bytes(data[: len(data) // 2])
    with pytest.raises(PotentialFileError, match="cut.atomforge: not an atomforge potential file|damaged"):
        atomforge.load(tmp_path / "cut.atomforge")
    with zipfile.ZipFile(tmp_path / "foreign.atomforge", "w") as z:
        z.writestr("model.json", "{}")
    with pytest.raises(PotentialFileError, match="no atomforge.json"):
        atomforge.load(tmp_path / "foreign.atomforge")
    with zipfile.ZipFile(path) as z:
        meta = z.read("atomforge.json").decode().replace('"format_version": 2', '"format_version": 99')
        arrays = z.read("arrays.npz")
    with zipfile.ZipFile(tmp_path / "new.atomforge", "w") as z:
        z.writestr("atomforge.json", meta)
        z.writestr("arrays.npz", arrays)
    with pytest.raises(PotentialFileError, match="version 99 is newer"):
        atomforge.load(tmp_path / "new.atomforge")


def test_unfitted_model_raises():
    with pytest.raises(NotFittedError, match="not fitted"):
        LinearModel(species=["Cu"]).predict(np.zeros((1, 5)), np.array([29]))


@pytest.mark.parametrize("quadratic,loss", [(False, "squared"), (True, "squared"), (False, "absolute")],
                         ids=["linear", "quadratic", "linear-absolute"])
def test_fit_recovers_the_potential_that_made_the_labels(quadratic, loss):
    """Labels from a known SNAP+ZBL potential; the fit (ZBL subtracted) must give its coefficients."""
    true = _potential(quadratic=quadratic, seed=2, twojmax=2)
    model = (QuadraticModel if quadratic else LinearModel)(species=["Cu", "Au"])
    design = DesignMatrix.for_model(model, true.descriptor.n_features,
                                    FitWeights(energy=10.0, force=1.0, stress=0.1))
    for k in range(10):
        atoms = _cell(seed=10 + k)
        atoms.symbols[[k % 8]] = "Au"
        atoms.set_cell(atoms.cell * (0.92 + 0.02 * k), scale_atoms=True)
        atoms.rattle(0.2, seed=k)
        ev = true.evaluate(atoms)
        frame = Frame(atoms, ev.energy, ev.forces, ev.stress, group="g")
        design.add(frame_rows(model, frame, true.descriptor.compute(frame, gradients=True), true.pair))
    fit_least_squares(model, design, loss=loss)
    np.testing.assert_allclose(model.coef_, true.model.coef_, rtol=1e-6, atol=1e-9)
    assert model.reference_energies_ == pytest.approx({"Cu": -3.7, "Au": -3.1}, rel=1e-8)
