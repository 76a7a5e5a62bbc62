"""``atomforge grs CONFIG.yaml`` end to end on a tiny problem: outputs, reaching Q = 0, and a
stopped run resumed from its checkpoint giving the same structures as an uninterrupted run."""

from __future__ import annotations

import json

import ase.io
import numpy as np
import pytest
import yaml
from ase.build import bulk
from ase.neighborlist import neighbor_list
from typer.testing import CliRunner

from atomforge.cli import app
from atomforge.errors import ConfigError
from atomforge.grs.runner import run_grs

A0 = 3.75


def write_case(folder, **search) -> str:
    l12 = bulk("Cu", "fcc", a=A0, cubic=True)
    l12.symbols[0] = "Au"
    ase.io.write(folder / "l12.xyz", l12, format="extxyz")
    config = {"seed": 3, "output": "out",
              "descriptor": {"name": "ace", "nmax": [4, 2], "lmax": [0, 1], "rcut": 4.2},
              "target": {"structures": ["l12.xyz"]},
              "candidates": {"kind": "lattice", "parent": {"bulk": {"name": "Cu", "crystalstructure": "fcc",
                                                                     "a": A0, "cubic": True}},
                             "repeat": [2, 1, 1], "composition": {"Au": 0.25, "Cu": 0.75}},
              "core": {"epsilon": 0.0},
              "search": search or {"method": "anneal", "anneal": {"n_steps": 60, "beta_start": 0.1,
                                                                  "beta_end": 10.0, "moves": {"swap": 1.0},
                                                                  "tol": 1e-9}},
              "set": {"n_structures": 2},
              "checkpoint_every": 4}
    path = folder / "grs.yaml"
    path.write_text(yaml.safe_dump(config))
    return str(path)


def au_au_bonds(atoms) -> int:
    i, j = neighbor_list("ij", atoms, 0.8 * A0)
    z = atoms.numbers
    return int(np.sum((z[i] == 79) & (z[j] == 79)))


def test_cli_writes_structures_report_and_reaches_the_target(tmp_path):
    config = write_case(tmp_path)
    result = CliRunner().invoke(app, ["grs", config, "--no-progress"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    frames = ase.io.read(out / "structures.xyz", index=":")
    assert len(frames) == 2 and all(len(f) == 8 for f in frames)
    for f in frames:  # Q = 0 means the L1₂ environments: no Au-Au nearest neighbours, 2 Au of 8
        assert f.info["grs_Q"] < 1e-9
        assert au_au_bonds(f) == 0 and sum(f.numbers == 79) == 2
    report = json.loads((out / "report.json").read_text())
    assert report["n_structures"] == 2 and report["descriptor"]["name"] == "ace"
    history = json.loads((out / "history.json").read_text())["histories"]
    assert len(history) == 2 and history[0][-1][2] < 1e-9
    for name in ("pca.png", "histograms.png", "report.md", "target.npz"):
        assert (out / name).stat().st_size > 0
    assert not (out / "checkpoint.npz").exists()


@pytest.mark.parametrize("method", ["anneal", "genetic"])
def test_stopped_run_resumes_to_the_same_result(tmp_path, method):
    search = {"method": method,
              "anneal": {"n_steps": 40, "beta_start": 0.0, "beta_end": 0.0, "moves": {"swap": 1.0}, "tol": -1.0},
              "genetic": {"population": 6, "n_generations": 6, "moves": {"swap": 1.0}, "tol": -1.0}}
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    whole.mkdir()
    parts.mkdir()
    run_grs(write_case(whole, **search))
    stopped = run_grs(write_case(parts, **search), stop_after=3)
    assert stopped["stopped"] and (parts / "out" / "checkpoint.npz").exists()
    run_grs(write_case(parts, **search))
    a = ase.io.read(whole / "out" / "structures.xyz", index=":")
    b = ase.io.read(parts / "out" / "structures.xyz", index=":")
    assert [list(x.numbers) for x in a] == [list(x.numbers) for x in b]
    assert json.loads((whole / "out" / "history.json").read_text()) == \
        json.loads((parts / "out" / "history.json").read_text())


def test_checkpoint_of_other_inputs_is_refused(tmp_path):
    config = write_case(tmp_path)
    run_grs(config, stop_after=1)
    spec = yaml.safe_load(open(config))
    spec["seed"] = 4
    open(config, "w").write(yaml.safe_dump(spec))
    with pytest.raises(ConfigError, match="other inputs"):
        run_grs(config)
    assert run_grs(config, fresh=True)["n_structures"] == 2


def test_unknown_config_key_is_named(tmp_path):
    config = write_case(tmp_path)
    spec = yaml.safe_load(open(config))
    spec["search"]["anneal"]["n_stesp"] = 3
    open(config, "w").write(yaml.safe_dump(spec))
    with pytest.raises(ConfigError, match="n_stesp.*n_steps"):
        run_grs(config)


def test_scale_from_random_candidates_is_saved_and_reaches_the_target(tmp_path):
    from atomforge.descriptors import ACE
    from atomforge.grs import Target
    from atomforge.grs.candidates import random_occupation

    config = write_case(tmp_path)
    spec = yaml.safe_load(open(config))
    spec["target"]["scale_candidates"] = 5
    spec["set"]["n_structures"] = 1
    open(config, "w").write(yaml.safe_dump(spec))
    report = run_grs(config)
    saved = Target.load(tmp_path / "out" / "target.npz")
    d = ACE(elements=["Au", "Cu"], nmax=[4, 2], lmax=[0, 1], rcut=4.2)
    rng = np.random.default_rng([3, 1])
    cell = bulk("Cu", "fcc", a=A0, cubic=True).repeat((2, 1, 1))
    ref = np.concatenate([d.compute(random_occupation(cell, {"Au": 0.25, "Cu": 0.75}, rng)).values
                          for _ in range(5)])
    np.testing.assert_allclose(saved.scale, ref.std(0), rtol=1e-12, atol=1e-15)
    frames = ase.io.read(tmp_path / "out" / "structures.xyz", index=":")
    assert report["n_structures"] == 1 and frames[0].info["grs_Q"] < 1e-9 and au_au_bonds(frames[0]) == 0


def test_mixture_of_lattice_and_packing_candidates_from_the_config(tmp_path):
    from atomforge.grs.config import candidate_maker, check_config

    spec = {"target": {"structures": ["x.xyz"]},
            "candidates": {"kind": "mixture", "generators": [
                {"kind": "lattice", "weight": 1, "parent": {"bulk": {"name": "Ta", "crystalstructure": "bcc",
                                                                     "a": 3.3}},
                 "n_atoms": 16, "density": [0.05, 0.06], "strain": {"volume": 0.03, "shear": 0.03}, "rattle": 0.05},
                {"kind": "packing", "weight": 1, "n_atoms": 16, "composition": {"Ta": 1}, "density": 0.055}]}}
    check_config(spec)
    make = candidate_maker(spec, tmp_path, 0.05)
    drawn = [make(np.random.default_rng(k)) for k in range(40)]
    again = make(np.random.default_rng(3))
    np.testing.assert_array_equal(again.positions, drawn[3].positions)
    kinds = {a.info["grs_generator"] for a in drawn}
    assert kinds == {"0:lattice", "1:packing"}
    for a in drawn:
        rho = len(a) / a.get_volume()
        assert len(a) == 16
        if a.info["grs_generator"] == "1:packing":
            assert rho == pytest.approx(0.055)
        else:  # one of the two densities, under at most ±12 % linear strain
            assert 0.05 / 1.12 ** 3 < rho < 0.06 / 0.88 ** 3
    spec["candidates"]["generators"][0]["strian"] = {}
    with pytest.raises(ConfigError, match="strian.*strain"):
        check_config(spec)
    with pytest.raises(ConfigError, match="generators"):
        candidate_maker({"candidates": {"kind": "mixture"}}, tmp_path, 0.05)


def test_core_scale_from_the_target_and_its_refusals(tmp_path):
    from atomforge.descriptors import ACE
    from atomforge.grs import RepulsiveCore, Target
    from atomforge.grs.config import build_core, check_config

    spec = yaml.safe_load(open(write_case(tmp_path)))
    d = ACE(elements=["Au", "Cu"], nmax=[4, 2], lmax=[0, 1], rcut=4.2)
    target = Target.load(Target.from_structures(d, [ase.io.read(tmp_path / "l12.xyz")]).save(tmp_path / "t.npz"))
    assert target.shortest == pytest.approx(A0 / np.sqrt(2), rel=1e-12)  # fcc nearest neighbours
    spec["core"] = {"epsilon": 2.0, "scale": "target"}
    check_config(spec)
    assert build_core(spec, target) == RepulsiveCore.clear_of(A0 / np.sqrt(2), ["Au", "Cu"], epsilon=2.0)
    spec["core"]["scale"] = "tight"
    with pytest.raises(ConfigError, match="core.scale must be a positive number or 'target'"):
        check_config(spec)
