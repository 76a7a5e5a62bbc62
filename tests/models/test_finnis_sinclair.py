"""The Finnis–Sinclair embedding, model and trainer: derivatives, the objective, the fit.

- F_m, F'_m, F''_m against central differences; F(0) = 0, odd, F'(0) = 1 − x₀ + x₀^m, F → |ρ|^m.
  (F itself against python-ace: tests/lammps/test_pace_files.py.)
- The trainer's objective equals the weighted residuals of the potential's own evaluation
  (forces and stress through the shared chain rule), and its gradient equals central differences.
- The fit lowers the objective well below the linear fit's; ∂E/∂B of the model is checked for every
  registered model by tests/test_protocols.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from atomforge.data import Dataset
from atomforge.descriptors import ACE
from atomforge.fitting import fit_dataset
from atomforge.fitting.finnis_sinclair import PairData, objective
from atomforge.fitting.weights import FitWeights
from atomforge.models import DescriptorPotential, FinnisSinclairModel
from atomforge.models.embedding import fs_embedding
from atomforge.units import EV_A3_TO_GPA
from conformance import emt_nial_frames, fit_config


@pytest.mark.parametrize("m", [0.5, 0.75, 0.3])
def test_embedding_derivatives_and_limits(m):
    rho = np.concatenate([np.linspace(-6, -0.05, 23), np.linspace(0.05, 6, 23)])
    f, df, d2f = fs_embedding(rho, m)
    h = 1e-6
    np.testing.assert_allclose(df, (fs_embedding(rho + h, m)[0] - fs_embedding(rho - h, m)[0]) / (2 * h), rtol=1e-7)
    np.testing.assert_allclose(d2f, (fs_embedding(rho + h, m)[1] - fs_embedding(rho - h, m)[1]) / (2 * h),
                               rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(fs_embedding(-rho, m)[0], -f, rtol=1e-15)
    x0 = m ** (1 / (1 - m))
    zero = fs_embedding(np.array([0.0, 1e-9, -1e-9]), m)
    assert zero[0][0] == 0.0
    np.testing.assert_allclose(zero[1], 1 - x0 + x0 ** m, rtol=1e-8)
    big = fs_embedding(np.array([60.0]), m)[0][0]
    assert big == pytest.approx(60.0 ** m, rel=1e-12)


def _setup(force_fraction=0.5):
    frames = emt_nial_frames(3)
    desc = ACE(elements=["Ni", "Al"], nmax=[4, 2, 1], lmax=[0, 2, 1], rcut=4.2)
    model = FinnisSinclairModel(species=["Ni", "Al"], fs_parameters=[1.0, 1.0, 0.8, 0.5, 1.3, 0.75])
    weights = FitWeights(30.0, 1.5, 0.2, {"g1": {"force": 0.5}})
    data = PairData(model, weights, force_fraction)
    for f in frames:
        data.add(f, desc.compute(f, gradients=True))
    data.finish()
    rng = np.random.default_rng(4)
    scale = 1 / np.abs(data.values).max(axis=0)
    e0, coef = rng.normal(size=2) - 4, rng.normal(size=(2, 3, desc.n_features)) * scale
    return frames, desc, model, weights, data, e0, coef


def test_objective_equals_the_potential_residuals():
    """All forces and stresses kept (fraction 1): the objective is Σ (w · residual)² of evaluate()."""
    frames, desc, model, weights, data, e0, coef = _setup(force_fraction=1.0)
    potential = DescriptorPotential(desc, model.set_parameters(e0, coef))
    total = 0.0
    for f in frames:
        ev = potential.evaluate(f.atoms)
        w = weights.row_weights(np.array([0, 1, 2]), f.group, f.weight)
        total += (w[0] * (ev.energy - f.energy) / len(f.atoms)) ** 2
        total += np.sum((w[1] * (ev.forces - f.forces)) ** 2)
        total += np.sum((w[2] * (ev.stress - f.stress) * EV_A3_TO_GPA) ** 2)
    assert objective(model, data, e0, coef)[0] == pytest.approx(total, rel=1e-10)


def test_objective_gradient_equals_finite_differences():
    _, _, model, _, data, e0, coef = _setup(force_fraction=0.5)
    _, g_e0, g_coef = objective(model, data, e0, coef)
    rng = np.random.default_rng(0)
    for _ in range(12):
        e, p, k = rng.integers(2), rng.integers(3), rng.integers(coef.shape[2])
        h = 1e-6 * max(abs(coef[e, p, k]), 1e-3)
        up, down = coef.copy(), coef.copy()
        up[e, p, k] += h
        down[e, p, k] -= h
        numeric = (objective(model, data, e0, up)[0] - objective(model, data, e0, down)[0]) / (2 * h)
        assert g_coef[e, p, k] == pytest.approx(numeric, rel=1e-5, abs=1e-6 * np.abs(g_coef).max())
    for e in range(2):
        step = np.eye(2)[e] * 1e-6
        numeric = (objective(model, data, e0 + step, coef)[0] - objective(model, data, e0 - step, coef)[0]) / 2e-6
        assert g_e0[e] == pytest.approx(numeric, rel=1e-6)


def test_fit_improves_on_its_linear_start():
    config = fit_config({"name": "finnis_sinclair"}, {"name": "ace", "nmax": [4, 2, 1], "lmax": [0, 2, 1], "rcut": 4.2},
                        solver={"ridge": "bayesian", "max_iter": 30})
    potential, info = fit_dataset(Dataset(emt_nial_frames(), "emt"), config)
    assert info["objective"] == min(r["objective"] for r in info["runs"])
    assert all(r["objective"] < r["objective_start"] for r in info["runs"])
    assert info["objective"] < 0.7 * info["objective_linear"]  # EMT is an embedding model: FS helps
    assert info["linear_alpha"] > 0 and info["ridge"] == info["linear_ridge"]
    model = potential.model
    assert isinstance(model, FinnisSinclairModel)
    # variable projection: E0 (not regularised) is the exact inner optimum, so ∂L/∂E0 = 0 there
    w = config.weights
    data = PairData(model, FitWeights(w.energy, w.force, w.stress, dict(w.groups)))
    for f in emt_nial_frames():
        data.add(f, potential.descriptor.compute(f, gradients=True))
    loss, g_e0, g_coef = objective(model, data.finish(), model.e0_, model.coef_)
    assert loss <= info["objective"]  # the data term; the objective adds the ridge term
    assert np.abs(g_e0).max() < 1e-8 * np.abs(g_coef).max()
