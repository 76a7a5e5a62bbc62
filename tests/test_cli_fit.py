"""``atomforge fit | evaluate | export | quickstart`` end to end on a tiny Cu/EMT data set."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import atomforge
from atomforge.cli import app
from atomforge.data.io import read_frames, write_extxyz
from atomforge.examples.cu_emt import build_cu_emt
from atomforge.fitting.metrics import METRIC_KEYS

CONFIG = """
data:
  train: [{path: train.xyz}]
  test: [{path: test.xyz}]
descriptor: {twojmax: 2, rcutfac: 4.0}
model: {name: quadratic}
weights: {energy: 100, force: 1, stress: 1}
output: {potential: cu.atomforge, report: report.json, lammps: lmp}
"""


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    data = build_cu_emt(n_md=2, size=0.15, seed=1)
    train, test = data.split(0.3, seed=0)
    write_extxyz(train, d / "train.xyz")
    write_extxyz(test, d / "test.xyz")
    (d / "fit.yaml").write_text(CONFIG)
    r = CliRunner().invoke(app, ["fit", str(d / "fit.yaml"), "--no-progress"])
    assert r.exit_code == 0, r.output
    return d


def test_fit_evaluate_export(workdir):
    runner = CliRunner()
    assert (workdir / "cu.atomforge").exists() and (workdir / "lmp" / "cu.snapcoeff").exists()
    report = json.loads((workdir / "report.json").read_text())
    assert report["n_test_frames"] == len(read_frames(workdir / "test.xyz"))

    r = runner.invoke(app, ["evaluate", str(workdir / "cu.atomforge"), str(workdir / "test.xyz"), "--json"])
    assert r.exit_code == 0, r.output
    metrics = json.loads(r.stdout)
    assert set(METRIC_KEYS) | {"groups"} == set(metrics)
    for g in metrics["groups"].values():
        assert set(METRIC_KEYS) == set(g)
    # independent recomputation of the energy and force MAE through the ASE calculator
    pot = atomforge.load(workdir / "cu.atomforge")
    de, df = [], []
    for frame in read_frames(workdir / "test.xyz"):
        atoms = frame.atoms.copy()
        atoms.calc = pot.calculator()
        de.append(abs(atoms.get_potential_energy() - frame.energy) / len(atoms))
        df.append(np.abs(atoms.get_forces() - frame.forces).ravel())
    assert metrics["energy_mae_mev_atom"] == pytest.approx(1000 * np.mean(de), rel=1e-10)
    assert metrics["force_mae_ev_a"] == pytest.approx(np.mean(np.concatenate(df)), rel=1e-10)
    assert metrics["n_frames"] == len(de)

    r = runner.invoke(app, ["export", str(workdir / "cu.atomforge"), "--lammps", str(workdir / "exp")])
    assert r.exit_code == 0, r.output
    exp = (workdir / "exp").resolve()
    assert f"pair_coeff * * {exp / 'cu.snapcoeff'} {exp / 'cu.snapparam'} Cu" in r.stdout
    again = atomforge.load(workdir / "exp" / "cu.snapparam")
    np.testing.assert_array_equal(again.model.coef_, pot.model.coef_)


def test_evaluate_compare_difference_and_interval(workdir, tmp_path):
    """--compare: the difference equals MAE(a) − MAE(b) of two separate evaluations; a potential
    compared with itself gives 0 and an empty interval."""
    pot = atomforge.load(workdir / "cu.atomforge")
    coef = pot.model.coef_.copy()
    coef[:, 1:] *= 1.02
    pot.model.set_coefficients(coef)
    pot.save(tmp_path / "other.atomforge")
    runner = CliRunner()
    a, b, test = str(workdir / "cu.atomforge"), str(tmp_path / "other.atomforge"), str(workdir / "test.xyz")
    single = [json.loads(runner.invoke(app, ["evaluate", p, test, "--json"]).stdout) for p in (a, b)]
    r = runner.invoke(app, ["evaluate", a, test, "--json", "--compare", b])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["compare"]["metrics"]["force_mae_ev_a"] == single[1]["force_mae_ev_a"]
    for key in ("energy_mae_mev_atom", "force_mae_ev_a"):
        d = out["compare"]["difference"][key]
        assert d["difference"] == pytest.approx(single[0][key] - single[1][key], rel=1e-9)
        assert d["low"] <= d["difference"] <= d["high"]
    same = json.loads(runner.invoke(app, ["evaluate", a, test, "--json", "--compare", a]).stdout)
    assert same["compare"]["difference"]["force_mae_ev_a"] == {"difference": 0.0, "low": 0.0, "high": 0.0,
                                                               "not_worse": 1.0}
    assert same["compare"]["both_not_worse"] == 1.0
    table = runner.invoke(app, ["evaluate", a, test, "--compare", b, "--no-progress"])
    assert table.exit_code == 0 and "cu.atomforge − other.atomforge" in table.stdout


def test_unknown_key_is_an_error_naming_it(workdir, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(CONFIG.replace("twojmax", "twojmx").replace("train.xyz", str(workdir / "train.xyz")))
    r = CliRunner().invoke(app, ["fit", str(bad)])
    assert r.exit_code != 0
    assert "twojmx" in str(r.exception) and "twojmax" in str(r.exception)


def test_fit_refuses_to_overwrite_and_o_moves_the_outputs(workdir, tmp_path):
    from atomforge.errors import ConfigError

    before = (workdir / "cu.atomforge").read_bytes()
    r = CliRunner().invoke(app, ["fit", str(workdir / "fit.yaml"), "--no-progress"])
    assert isinstance(r.exception, ConfigError) and "--overwrite" in str(r.exception)
    assert (workdir / "cu.atomforge").read_bytes() == before  # refused before fitting
    target = tmp_path / "elsewhere" / "moved.atomforge"
    r = CliRunner().invoke(app, ["fit", str(workdir / "fit.yaml"), "--no-progress", "-o", str(target)])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in target.parent.iterdir()) == ["lmp", "moved.atomforge", "report.json"]
    report = json.loads((target.parent / "report.json").read_text())
    assert report["config"]["output"]["potential"] == str(target)
    r = CliRunner().invoke(app, ["fit", str(workdir / "fit.yaml"), "--no-progress", "-o", str(target), "--overwrite"])
    assert r.exit_code == 0, r.output


def test_interrupted_save_leaves_no_file(workdir, tmp_path, monkeypatch):
    pot = atomforge.load(workdir / "cu.atomforge")

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", interrupt)
    with pytest.raises(KeyboardInterrupt):
        pot.save(tmp_path / "p.atomforge")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_quickstart_tiny(tmp_path):
    from atomforge.quickstart import run_quickstart

    s = run_quickstart(tmp_path, tiny=True)
    for path in s["files"].values():
        assert (tmp_path / path).exists()
    assert s["lattice_constant_a"]["atomforge"] == pytest.approx(s["lattice_constant_a"]["emt"], rel=0.02)
