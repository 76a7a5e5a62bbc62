"""``atomforge fit`` on an s-MEAM configuration, end to end on a tiny Cu/EMT data set."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import atomforge
from atomforge.cli import app
from atomforge.data.io import read_frames, write_extxyz
from atomforge.errors import ConfigError
from atomforge.examples.cu_emt import build_cu_emt
from atomforge.fitting.config import parse_config

CONFIG = """
data:
  train: [{path: train.xyz}]
model:
  name: smeam
  variant: eam
  cutoff: 4.5
  r_min: 2.0
  n_knots: 5
  u_range: [-2.0, 2.0]
  forces_per_frame: 6
  cmaes: {population: 8, sigma0: 0.1, generations: 12, checkpoint: ckpt/cmaes.json, checkpoint_every: 5}
weights: {energy: 1, force: 0.5, stress: 0.01}
output: {potential: out/cu.atomforge, report: out/report.json, lammps: out}
"""


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli_smeam")
    frames = list(build_cu_emt(n_md=1, size=0.15, seed=2))[:6]
    write_extxyz(frames, d / "train.xyz")
    (d / "fit.yaml").write_text(CONFIG)
    r = CliRunner().invoke(app, ["fit", str(d / "fit.yaml"), "--no-progress"])
    assert r.exit_code == 0, r.output
    return d


def test_fit_writes_a_potential_that_reproduces_its_training_metrics(workdir):
    report = json.loads((workdir / "out" / "report.json").read_text())
    fit = report["fit"]
    assert fit["variant"] == "eam" and fit["generations"] == 12 and not fit["resumed"]
    # the CMA-ES loss is the weighted energy + force + stress MAE of the fitted potential, plus the
    # default U-domain and U-curvature terms
    assert fit["u_curvature_rms"] > 0
    assert fit["loss"] == pytest.approx(fit["energy_mae"] + 0.5 * fit["force_mae"]
                                        + 0.01 * 160.21766208 * fit["stress_mae"] + 10 * fit["u_excess"]
                                        + 1e-4 * fit["u_curvature_rms"], rel=1e-10)
    pot = atomforge.load(workdir / "out" / "cu.atomforge")
    assert pot.variant == "eam" and pot.cutoff == pytest.approx(4.5)
    # independent recomputation of the training errors through the ASE calculator of the loaded file
    de, df = [], []
    for frame in read_frames(workdir / "train.xyz"):
        atoms = frame.atoms.copy()
        atoms.calc = pot.calculator()
        de.append(abs(atoms.get_potential_energy() - frame.energy) / len(atoms))
        df.append(np.abs(atoms.get_forces() - frame.forces).ravel())
    assert report["train"]["energy_mae_mev_atom"] == pytest.approx(1000 * np.mean(de), rel=1e-10)
    assert report["train"]["force_mae_ev_a"] == pytest.approx(np.mean(np.concatenate(df)), rel=1e-10)
    # the fitted reference energy makes DFT-like totals: far better than the bare splines' ~3.5 eV/atom
    assert np.mean(de) < 0.5
    # the LAMMPS file holds the same splines: same forces, energies lacking the reference energy
    lmp = atomforge.load(workdir / "out" / "cu.meam.spline")
    atoms = read_frames(workdir / "train.xyz")[1].atoms
    a, b = pot.evaluate(atoms), lmp.evaluate(atoms)
    np.testing.assert_allclose(b.forces, a.forces, rtol=1e-10, atol=1e-12)
    assert a.energy - b.energy == pytest.approx(len(atoms) * fit["reference_energies"]["Cu"], rel=1e-10)


def test_rerun_resumes_from_the_checkpoint(workdir):
    assert (workdir / "out" / "ckpt" / "cmaes.json").exists()  # relative to the potential's folder
    before = atomforge.load(workdir / "out" / "cu.atomforge").theta()
    r = CliRunner().invoke(app, ["fit", str(workdir / "fit.yaml"), "--no-progress", "--overwrite"])
    assert r.exit_code == 0, r.output
    report = json.loads((workdir / "out" / "report.json").read_text())
    assert report["fit"]["resumed"]
    np.testing.assert_array_equal(atomforge.load(workdir / "out" / "cu.atomforge").theta(), before)


def test_misspelled_key_in_the_smeam_section():
    raw = {"data": {"train": [{"path": "x.xyz"}]},
           "model": {"name": "smeam", "cutoff": 4.0, "cmaes": {"generatons": 5}}}
    with pytest.raises(ConfigError, match=r"unknown key 'model.cmaes.generatons'. Did you mean 'generations'\? "
                                          r"Allowed keys here: population, sigma0, generations"):
        parse_config(raw)
    raw["model"] = {"name": "smeam", "cutoff": 4.0, "variannt": "eam"}
    with pytest.raises(ConfigError, match=r"unknown key 'model.variannt'. Did you mean 'variant'\?"):
        parse_config(raw)


def test_descriptor_is_rejected_for_smeam_and_required_for_snap():
    raw = {"data": {"train": [{"path": "x.xyz"}]}, "model": {"name": "smeam", "cutoff": 4.0},
           "descriptor": {"twojmax": 6, "rcutfac": 4.6}}
    with pytest.raises(ConfigError, match=r"descriptor: not used by the s-MEAM model"):
        parse_config(raw)
    with pytest.raises(ConfigError, match=r"descriptor is required for model.name: linear"):
        parse_config({"data": raw["data"]})
    assert parse_config(dict(raw, model={"name": "quadratic"})).model.name == "quadratic"
    # the dumped configuration (atomforge fit --print-config) reads back unchanged
    cfg = parse_config({"data": raw["data"], "model": {"name": "smeam", "cutoff": 4.0, "variant": "ffg"}})
    assert parse_config(cfg.model_dump(mode="json")) == cfg


def test_several_starts_are_chosen_on_held_out_frames(workdir):
    config = CONFIG.replace("generations: 12,", "generations: 4, starts: 2, validation_every: 3,")
    config = config.replace("out/", "starts/")
    (workdir / "starts.yaml").write_text(config)
    r = CliRunner().invoke(app, ["fit", str(workdir / "starts.yaml"), "--no-progress"])
    assert r.exit_code == 0, r.output
    fit = json.loads((workdir / "starts" / "report.json").read_text())["fit"]
    assert fit["n_held_out"] == 2 and [s["seed"] for s in fit["starts"]] == [0, 1]
    scores = [s["score"] for s in fit["starts"]]
    assert fit["chosen_start"] == int(np.argmin(scores))
    assert fit["generations"] == 8
    assert all((workdir / "starts" / "ckpt" / f"cmaes_start{k}.json").exists() for k in range(2))
    r = CliRunner().invoke(app, ["fit", str(workdir / "starts.yaml"), "--no-progress", "--overwrite"])
    again = json.loads((workdir / "starts" / "report.json").read_text())["fit"]
    # each start's CMA-ES resumes to the same end point; the LM polishes after it may differ in
    # the last digits with the BLAS threads' summation order, so only their losses are compared
    assert again["resumed"] and again["chosen_start"] == fit["chosen_start"]
    assert [s["cmaes_loss"] for s in again["starts"]] == [s["cmaes_loss"] for s in fit["starts"]]
    assert again["loss"] == pytest.approx(fit["loss"], rel=1e-2)


def test_export_writes_the_meam_spline_file(workdir):
    """``atomforge export`` of an s-MEAM potential writes its meam/spline file and pair lines."""
    r = CliRunner().invoke(app, ["export", str(workdir / "out" / "cu.atomforge"), "--lammps", str(workdir / "exp")])
    assert r.exit_code == 0, r.output
    path = (workdir / "exp" / "cu.meam.spline").resolve()
    assert "pair_style meam/spline" in r.stdout and f"pair_coeff * * {path} Cu" in r.stdout
    pot, lmp = atomforge.load(workdir / "out" / "cu.atomforge"), atomforge.load(path)
    atoms = read_frames(workdir / "train.xyz")[2].atoms
    np.testing.assert_allclose(lmp.evaluate(atoms).forces, pot.evaluate(atoms).forces, rtol=1e-10, atol=1e-12)
