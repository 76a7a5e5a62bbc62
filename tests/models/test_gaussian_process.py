"""Sparse GP model: kernel derivatives, kernel columns through descriptor gradients, and the exact
identities of the sparse approximation (all environments inducing = the full GP), checked against a
dense full GP written here."""

from __future__ import annotations

import numpy as np
import pytest

from atomforge.data import Dataset, Frame
from atomforge.errors import ConfigError
from atomforge.fitting import fit_dataset
from atomforge.models import kernels
from atomforge.models.gaussian_process import KernelColumns
from conformance import emt_nial_frames, fit_config, triclinic_nial
from finite_differences import numeric_position_derivative, numeric_strain_derivative

DESCRIPTOR = {"name": "snap", "twojmax": 2, "rcutfac": 4.0}


@pytest.mark.parametrize("kernel", ["se", "polynomial"])
def test_kernel_gradient_and_length_derivative_equal_finite_differences(kernel):
    rng = np.random.default_rng(1)
    x, z, w = rng.normal(size=(4, 3)), rng.normal(size=(5, 3)), rng.normal(size=5)
    length, signal, h = 1.7, 0.6, 1e-6
    t = kernels.evaluate(kernel, x, z, length, signal, degree=3)
    numeric = np.zeros_like(x)
    for c in range(3):
        dx = np.zeros_like(x)
        dx[:, c] = h
        numeric[:, c] = (kernels.evaluate(kernel, x + dx, z, length, signal, 3).k
                         - kernels.evaluate(kernel, x - dx, z, length, signal, 3).k) @ w / (2 * h)
    np.testing.assert_allclose(kernels.x_gradient(t, x, z, w), numeric, rtol=1e-7, atol=1e-9)
    d = kernels.evaluate(kernel, x, z, length, signal, 3, d_log_length=True)
    for name in ("k", "a", "b"):
        up = getattr(kernels.evaluate(kernel, x, z, length * np.exp(h), signal, 3), name)
        down = getattr(kernels.evaluate(kernel, x, z, length * np.exp(-h), signal, 3), name)
        np.testing.assert_allclose(getattr(d, name), (up - down) / (2 * h), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(kernels.diagonal(kernel, x, length, signal, 3),
                               np.diag(kernels.evaluate(kernel, x, x, length, signal, 3).k), rtol=1e-12)


@pytest.fixture(scope="module")
def energy_only_gp():
    """A GP on EMT NiAl energies only, every training environment inducing, fixed hyperparameters."""
    frames = emt_nial_frames(5)
    model = {"name": "gpr", "n_sparse": 100, "optimize": False, "length_scale": 2.0, "signal_std": 0.5,
             "noise_energy": 1e-3, "jitter": 1e-12}
    cfg = fit_config(model, DESCRIPTOR)
    cfg.weights.force = cfg.weights.stress = 0.0
    potential, _ = fit_dataset(Dataset(frames, "emt"), cfg)
    return potential, frames


def _full_gp(potential, frames, atoms):
    """Posterior mean and standard deviation of the energy of ``atoms`` by the dense full GP
    (Rasmussen & Williams eq. 2.25-2.26) on energies per atom, with the model's standardisation."""
    model = potential.model
    length, signal, noise = model.hyperparameters_[:3]

    def envs(a):
        out = potential.descriptor.compute(Frame(a))
        elem = model.element_index(out.numbers)
        return (out.values - model.feature_mean_[elem]) / model.feature_scale_[elem], elem

    def cov(a, b):  # Σ_{i∈a, j∈b} k(x_i, x_j), same element only
        (xa, ea), (xb, eb) = a, b
        d2 = ((xa[:, None, :] - xb[None, :, :]) ** 2).sum(-1)
        return (signal**2 * np.exp(-0.5 * d2 / length**2) * (ea[:, None] == eb[None, :])).sum()

    train = [envs(f.atoms) for f in frames]
    n = np.array([len(f.atoms) for f in frames], dtype=float)
    k = np.array([[cov(a, b) for b in train] for a in train]) / np.outer(n, n)
    y = np.array([f.energy - model.reference_energies_[model.element_index(f.atoms.numbers)].sum()
                  for f in frames]) / n
    star = envs(atoms)
    ks = np.array([cov(star, b) for b in train]) / n
    c = k + noise**2 * np.eye(len(frames))
    mean = model.reference_energies_[star[1]].sum() + ks @ np.linalg.solve(c, y)
    var = cov(star, star) - ks @ np.linalg.solve(c, ks)
    return mean, np.sqrt(var)


def test_sparse_gp_with_every_environment_inducing_equals_the_full_gp(energy_only_gp):
    potential, frames = energy_only_gp
    assert len(potential.model.inducing_) == sum(len(f.atoms) for f in frames)
    atoms = triclinic_nial()
    mean, std = _full_gp(potential, frames, atoms)
    assert potential.evaluate(atoms).energy == pytest.approx(mean, rel=1e-8, abs=1e-8)
    assert potential.uncertainty(atoms)["energy_std"] == pytest.approx(std, rel=1e-5)
    assert std > 1e-2  # a structure unlike the training ones: the check above is not 0 = 0


def test_predictive_std_vanishes_at_a_training_structure_with_tiny_noise():
    frames = emt_nial_frames(5)
    model = {"name": "gpr", "n_sparse": 100, "optimize": False, "length_scale": 2.0, "signal_std": 0.5,
             "noise_energy": 1e-7, "jitter": 1e-12}
    cfg = fit_config(model, DESCRIPTOR)
    cfg.weights.force = cfg.weights.stress = 0.0
    potential, _ = fit_dataset(Dataset(frames, "emt"), cfg)
    atoms = frames[2].atoms.copy()
    atoms.calc = potential.calculator()
    assert atoms.get_potential_energy() == pytest.approx(frames[2].energy, abs=1e-5)
    assert atoms.calc.get_property("energy_std") < 1e-5
    far = triclinic_nial()
    assert potential.uncertainty(far)["energy_std"] > 1e-2
    assert atoms.calc.get_property("energies_std").shape == (len(atoms),)


@pytest.mark.parametrize("kernel", ["se", "polynomial"])
def test_kernel_columns_force_and_virial_rows_equal_finite_differences(kernel):
    """The force and stress columns of the training rows (through the sparse descriptor gradients)
    are the position and strain derivatives of the energy columns."""
    cfg = fit_config({"name": "gpr", "kernel": kernel, "degree": 3, "n_sparse": 6, "opt_iter": 0}, DESCRIPTOR)
    potential, _ = fit_dataset(Dataset(emt_nial_frames(3), "emt"), cfg)
    columns = KernelColumns(potential.model, d_log_length=kernel == "se")
    atoms = triclinic_nial()
    out = potential.descriptor.compute(Frame(atoms), gradients=True)
    dcol, virial = columns.row_gradients(out)

    def energy_row(a):
        o = potential.descriptor.compute(Frame(a))
        return columns.energy_row(o.values, o.numbers)

    def at(p):
        a = atoms.copy()
        a.positions = p
        return energy_row(a)

    numeric = numeric_position_derivative(at, atoms.positions)  # (n_atoms, 3, M)
    scale = np.abs(numeric).max()
    assert scale > 0
    np.testing.assert_allclose(dcol, numeric, atol=1e-7 * scale)
    w = np.random.default_rng(0).normal(size=dcol.shape[2])
    sym = 0.5 * (virial + virial.transpose(1, 0, 2)) @ w / atoms.get_volume()
    voigt = np.array([sym[a, b] for a, b in ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))])
    np.testing.assert_allclose(voigt, numeric_strain_derivative(lambda a: energy_row(a) @ w, atoms),
                               atol=1e-7 * scale * np.abs(w).sum())


def test_unknown_kernel_is_refused():
    with pytest.raises(ConfigError, match="unknown kernel 'rbf'"):
        kernels.evaluate("rbf", np.zeros((1, 2)), np.zeros((1, 2)), 1.0, 1.0)


def test_a_potential_without_uncertainty_says_so():
    from ase.calculators.calculator import PropertyNotImplementedError

    from conformance import fitted_potential

    potential = fitted_potential({"name": "linear"}, DESCRIPTOR)
    assert not potential.has_uncertainty
    with pytest.raises(ConfigError, match="gives no uncertainty"):
        potential.uncertainty(triclinic_nial())
    atoms = triclinic_nial()
    atoms.calc = potential.calculator()
    with pytest.raises(PropertyNotImplementedError):
        atoms.calc.get_property("energy_std")
