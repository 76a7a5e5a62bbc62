"""Sparse-GP training: the marginal likelihood (value against the dense formula, gradient against finite
differences), inducing-point selection, and ``atomforge fit`` with ``model: {name: gpr}``."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import atomforge
from atomforge.cli import app
from atomforge.data.io import read_frames, write_extxyz
from atomforge.fitting.gpr.likelihood import log_marginal_likelihood, maximize_likelihood
from atomforge.fitting.gpr.select import cur_sampling, farthest_point_sampling
from atomforge.models import kernels
from conformance import emt_nial_frames, triclinic_nial


def _problem(kernel: str):
    rng = np.random.default_rng(0)
    n, m = 40, 8
    x = rng.normal(size=(n, 3))
    z = x[:m]

    def columns(length):
        t = [kernels.evaluate(kernel, a, z, length, 1.0, 3, d) for a in (x, z) for d in (False, True)]
        return t[0].k, t[1].k, t[2].k, t[3].k

    return columns, np.sin(x.sum(1)), rng.integers(0, 3, n), rng.uniform(0.5, 2.0, n)


@pytest.mark.parametrize("kernel", ["se", "polynomial"])
def test_marginal_likelihood_equals_dense_formula_and_its_gradient_finite_differences(kernel):
    columns, y, kinds, mult = _problem(kernel)
    theta = np.log([1.3, 0.8, 0.1, 0.2, 0.3])
    value, grad = log_marginal_likelihood(theta, columns, y, kinds, mult, 1e-8)
    length, signal = np.exp(theta[:2])
    k1, _, kmm1, _ = columns(length)
    k, kmm = signal**2 * k1, signal**2 * (kmm1 + 1e-8 * np.eye(len(kmm1)))
    c = k @ np.linalg.solve(kmm, k.T) + np.diag((np.exp(theta[2:])[kinds] / mult) ** 2)
    dense = -0.5 * y @ np.linalg.solve(c, y) - 0.5 * np.linalg.slogdet(c)[1] - 0.5 * len(y) * np.log(2 * np.pi)
    assert value == pytest.approx(dense, rel=1e-9)
    h = 1e-5
    numeric = [(log_marginal_likelihood(theta + h * e, columns, y, kinds, mult, 1e-8)[0]
                - log_marginal_likelihood(theta - h * e, columns, y, kinds, mult, 1e-8)[0]) / (2 * h)
               for e in np.eye(5)]
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-6)


def test_maximize_likelihood_reaches_a_stationary_point():
    columns, y, kinds, mult = _problem("se")
    theta, info = maximize_likelihood(np.log([1.0, 1.0, 0.5, 0.5, 0.5]), columns, y, kinds, mult, 1e-8, 200)
    assert info["log_likelihood_per_row"] > info["log_likelihood_per_row_start"]
    grad = log_marginal_likelihood(theta, columns, y, kinds, mult, 1e-8)[1]
    assert np.abs(grad).max() < 1e-3 * len(y)


def test_farthest_point_sampling_order_and_duplicates():
    x = np.array([[0.0], [1.0], [2.0], [10.0], [10.0], [2.0]])
    np.testing.assert_array_equal(farthest_point_sampling(x, 10), [3, 0, 2, 1])  # duplicates never chosen
    np.testing.assert_array_equal(farthest_point_sampling(x, 2), [3, 0])


def test_cur_sampling_prefers_leverage_and_skips_duplicates():
    rng = np.random.default_rng(3)
    x = np.vstack([rng.normal(scale=1e-3, size=(50, 2)), [[5.0, 0.0], [0.0, 5.0]], np.zeros((5, 2))])
    chosen = cur_sampling(x, 10, seed=1)
    assert len(chosen) == len(np.unique(x[chosen], axis=0)) == 10
    # the two outlying rows carry nearly all the leverage: they come first
    assert set(chosen[:2]) == {50, 51}
    np.testing.assert_array_equal(chosen, cur_sampling(x, 10, seed=1))


CONFIG = """
species: [Ni, Al]
data:
  train: [{path: train.xyz}]
  test: [{path: test.xyz}]
descriptor: {name: snap, twojmax: 2, rcutfac: 4.0}
model: {name: gpr, kernel: polynomial, degree: 2, n_sparse: 12, selection: cur, opt_frames: 4}
weights: {energy: 1, force: 1}
output: {potential: gp.atomforge, report: report.json}
"""


def test_cli_fit_of_a_gp_evaluates_with_uncertainty(tmp_path):
    frames = emt_nial_frames(7)
    write_extxyz(frames[:5], tmp_path / "train.xyz")
    write_extxyz(frames[5:], tmp_path / "test.xyz")
    (tmp_path / "fit.yaml").write_text(CONFIG)
    r = CliRunner().invoke(app, ["fit", str(tmp_path / "fit.yaml"), "--no-progress"])
    assert r.exit_code == 0, r.output
    pot = atomforge.load(tmp_path / "gp.atomforge")
    assert (pot.model.name, pot.model.kernel, pot.model.selection) == ("gpr", "polynomial", "cur")
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["fit"]["n_sparse"] == {"Ni": 12, "Al": 12}
    lik = report["fit"]["likelihood"]
    assert lik["log_likelihood_per_row"] >= lik["log_likelihood_per_row_start"]
    # the reported test error is that of the loaded potential, recomputed here
    de = [abs(pot.evaluate(f.atoms).energy - f.energy) / f.n_atoms for f in read_frames(tmp_path / "test.xyz")]
    assert report["test"]["energy_mae_mev_atom"] == pytest.approx(1000 * np.mean(de), rel=1e-9)
    atoms = triclinic_nial()
    atoms.calc = pot.calculator()
    atoms.get_potential_energy()
    std = atoms.calc.get_property("energies_std")
    assert std.shape == (6,) and np.all(std > 0)
