"""``atomforge fit`` with an ACE descriptor: linear (Bayesian ridge) and Finnis–Sinclair, end to end.

On a tiny Cu/EMT data set: the fit writes the potential, the report and the ``.yace`` LAMMPS file;
the report's test errors equal a recomputation through ``atomforge.load`` of the written ``.yace``
(python-ace's evaluator is checked against such files in tests/lammps/test_pace_files.py).
"""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import atomforge
from atomforge.cli import app
from atomforge.data.io import read_frames, write_extxyz
from atomforge.examples.cu_emt import build_cu_emt

CONFIG = """
data:
  train: [{{path: train.xyz}}]
  test: [{{path: test.xyz}}]
descriptor: {{name: ace, nmax: [4, 2, 1], lmax: [0, 2, 1], rcut: 4.5}}
model: {model}
weights: {{energy: 100, force: 1}}
solver: {solver}
output: {{potential: cu.atomforge, report: report.json, lammps: lmp}}
"""


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("ace")
    train, test = build_cu_emt(n_md=2, size=0.15, seed=1).split(0.3, seed=0)
    write_extxyz(train, d / "train.xyz")
    write_extxyz(test, d / "test.xyz")
    return d


@pytest.mark.parametrize("model, solver", [("{name: linear}", "{ridge: bayesian}"),
                                           ("{name: finnis_sinclair}", "{ridge: bayesian, max_iter: 30}")])
def test_fit_ace_writes_a_yace_that_reproduces_the_report(data_dir, model, solver, tmp_path):
    for name in ("train.xyz", "test.xyz"):
        (tmp_path / name).symlink_to(data_dir / name)
    (tmp_path / "fit.yaml").write_text(CONFIG.format(model=model, solver=solver))
    r = CliRunner().invoke(app, ["fit", str(tmp_path / "fit.yaml"), "--no-progress"])
    assert r.exit_code == 0, r.output
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["fit"]["ridge" if "finnis" in model else "alpha"] > 0
    yace = atomforge.load(tmp_path / "lmp" / "cu.yace")
    assert yace.model.name == report["config"]["model"]["name"]
    de, df = [], []
    for frame in read_frames(tmp_path / "test.xyz"):
        ev = yace.evaluate(frame.atoms)
        de.append(abs(ev.energy - frame.energy) / len(frame.atoms))
        df.append(np.abs(ev.forces - frame.forces).ravel())
    assert report["test"]["energy_mae_mev_atom"] == pytest.approx(1000 * np.mean(de), rel=1e-9)
    assert report["test"]["force_mae_ev_a"] == pytest.approx(np.mean(np.concatenate(df)), rel=1e-9)
