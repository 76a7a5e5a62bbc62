"""A descriptor and a model added by registering one class each, with no other module touched:
they fit through ``atomforge fit``, evaluate, save, load, export (refused: no LAMMPS form), and
pass the conformance suites."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import atomforge
from atomforge.cli import app
from atomforge.data.io import read_frames, write_extxyz
from atomforge.descriptors import DESCRIPTORS
from atomforge.errors import ConfigError
from atomforge.models import MODELS
from conformance import ELEMENTS, descriptor_checks, emt_nial_frames, fitted_potential, model_checks, triclinic_nial
from toy_descriptor import RadialGaussians
from toy_model import TanhModel

CONFIG = """
species: [Ni, Al]
data:
  train: [{path: train.xyz}]
  test: [{path: test.xyz}]
descriptor: {name: toy-radial, cutoff: 4.5, n_features: 8}
model: {name: toy-tanh, scale: 3.0}
weights: {energy: 100, force: 1}
output: {potential: toy.atomforge, report: report.json}
"""


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setitem(DESCRIPTORS, RadialGaussians.name, RadialGaussians)
    monkeypatch.setitem(MODELS, TanhModel.name, TanhModel)


def test_toy_descriptor_passes_the_descriptor_conformance_suite(registered):
    descriptor_checks(RadialGaussians(elements=ELEMENTS))


def test_toy_model_passes_the_model_conformance_suite(registered, tmp_path):
    potential = fitted_potential({"name": "toy-tanh", "scale": 2.0}, {"name": "toy-radial", "cutoff": 4.0})
    model_checks(potential, tmp_path)


def test_toy_pair_fits_evaluates_saves_and_loads_through_the_cli(registered, tmp_path):
    frames = emt_nial_frames(8)
    write_extxyz(frames[:6], tmp_path / "train.xyz")
    write_extxyz(frames[6:], tmp_path / "test.xyz")
    (tmp_path / "fit.yaml").write_text(CONFIG)
    runner = CliRunner()
    r = runner.invoke(app, ["fit", str(tmp_path / "fit.yaml"), "--no-progress"])
    assert r.exit_code == 0, r.output
    pot = atomforge.load(tmp_path / "toy.atomforge")
    assert (pot.descriptor.name, pot.model.name, pot.descriptor.n_features) == ("toy-radial", "toy-tanh", 8)
    # the reported training errors are those of the loaded potential, recomputed here
    report = json.loads((tmp_path / "report.json").read_text())
    de = [abs(pot.evaluate(f.atoms).energy - f.energy) / f.n_atoms for f in read_frames(tmp_path / "train.xyz")]
    assert report["train"]["energy_mae_mev_atom"] == pytest.approx(1000 * np.mean(de), rel=1e-9)
    r = runner.invoke(app, ["evaluate", str(tmp_path / "toy.atomforge"), str(tmp_path / "test.xyz"), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["n_frames"] == 2
    r = runner.invoke(app, ["export", str(tmp_path / "toy.atomforge"), "--lammps", str(tmp_path / "lmp")])
    assert isinstance(r.exception, ConfigError)  # atomforge's main() prints it as one line, exit code 2
    assert "descriptor:toy-radial+toy-tanh potential has no LAMMPS form" in str(r.exception)
    atoms = triclinic_nial()
    atoms.calc = pot.calculator()
    assert np.isfinite(atoms.get_potential_energy())
