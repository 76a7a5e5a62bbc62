"""``atomforge fit`` with every registered descriptor, linear and quadratic, on a tiny Cu/EMT set.

Each fit must run without warnings; the saved potential, loaded again, reproduces the report's
test errors through the ASE calculator; and the quadratic model, whose columns contain the linear
model's, fits the same weighted rows at least as closely (nested least squares).
"""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import atomforge
from atomforge.cli import app
from atomforge.data.io import read_frames, write_extxyz
from atomforge.descriptors import DESCRIPTORS
from atomforge.examples.cu_emt import build_cu_emt

CONFIG = """
data:
  train: [{{path: train.xyz}}]
  test: [{{path: test.xyz}}]
descriptor: {{name: {descriptor}}}
model: {{name: {model}}}
weights: {{energy: 100, force: 1, stress: 1}}
output: {{potential: {model}.atomforge, report: {model}.json}}
"""


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("fit-descriptors")
    train, test = build_cu_emt(n_md=1, size=0.15, seed=2).split(0.3, seed=0)
    write_extxyz(train, d / "train.xyz")
    write_extxyz(test, d / "test.xyz")
    return d


def _test_maes(potential, path):
    de, df = [], []
    for frame in read_frames(path):
        atoms = frame.atoms.copy()
        atoms.calc = potential.calculator()
        de.append(abs(atoms.get_potential_energy() - frame.energy) / len(atoms))
        df.append(np.abs(atoms.get_forces() - frame.forces).ravel())
    return 1000 * np.mean(de), np.mean(np.concatenate(df))


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("descriptor", sorted(DESCRIPTORS))
def test_fit_linear_and_quadratic(data_dir, tmp_path, descriptor):
    for name in ("train.xyz", "test.xyz"):
        (tmp_path / name).symlink_to(data_dir / name)
    residual = {}
    for model in ("linear", "quadratic"):
        (tmp_path / f"{model}.yaml").write_text(CONFIG.format(descriptor=descriptor, model=model))
        r = CliRunner().invoke(app, ["fit", str(tmp_path / f"{model}.yaml"), "--no-progress"])
        assert r.exit_code == 0, r.output
        report = json.loads((tmp_path / f"{model}.json").read_text())
        assert report["config"]["descriptor"]["name"] == descriptor
        residual[model] = report["fit"]["residual_norm"]
        potential = atomforge.load(tmp_path / f"{model}.atomforge")
        e_mae, f_mae = _test_maes(potential, tmp_path / "test.xyz")
        assert report["test"]["energy_mae_mev_atom"] == pytest.approx(e_mae, rel=1e-9)
        assert report["test"]["force_mae_ev_a"] == pytest.approx(f_mae, rel=1e-9)
    assert residual["quadratic"] <= residual["linear"] * (1 + 1e-6)
