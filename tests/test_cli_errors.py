"""Bad input on the command line: one clear line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import sys

import pytest

from atomforge.cli import main


def run_main(monkeypatch, capsys, *args) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["atomforge", *map(str, args)])
    with pytest.raises(SystemExit) as info:
        main()
    captured = capsys.readouterr()
    return info.value.code, captured.err + captured.out


@pytest.fixture(scope="module")
def potential(tmp_path_factory):
    from atomforge.descriptors.snap import Bispectrum
    from atomforge.models import DescriptorPotential, LinearModel

    model = LinearModel(species=["Cu"]).set_coefficients([[-3.0] + [0.01] * 5])
    pot = DescriptorPotential(Bispectrum(elements=["Cu"], twojmax=2, rcutfac=4.0), model)
    return pot.save(tmp_path_factory.mktemp("pot") / "cu")


def test_version(monkeypatch, capsys):
    from atomforge import __version__

    code, out = run_main(monkeypatch, capsys, "--version")
    assert code == 0 and out.strip() == f"atomforge {__version__}"


def test_export_onto_an_existing_file(monkeypatch, capsys, potential, tmp_path):
    (tmp_path / "afile").write_text("x")
    code, out = run_main(monkeypatch, capsys, "export", potential, "--lammps", tmp_path / "afile")
    assert code == 2 and out.strip().count("\n") == 0
    assert "afile: exists and is not a folder" in out


def test_garbage_potential_file(monkeypatch, capsys, tmp_path):
    (tmp_path / "g.atomforge").write_text("garbage")
    code, out = run_main(monkeypatch, capsys, "export", tmp_path / "g.atomforge", "--lammps", tmp_path / "out")
    assert code == 2 and out.strip().count("\n") == 0
    assert "g.atomforge: damaged, truncated or not an atomforge potential file" in out
    assert "suffix is not one of" not in out  # the old message contradicted itself


def test_unknown_element_in_extxyz(monkeypatch, capsys, potential):
    from pathlib import Path

    bad = Path(__file__).parent / "data" / "bad" / "unknown_element.xyz"
    code, out = run_main(monkeypatch, capsys, "evaluate", potential, bad)
    assert code == 2 and out.strip().count("\n") == 0
    assert "unknown_element.xyz, frame 1: field 'species': unknown element 'Xx'" in out


def test_fit_with_a_missing_config(monkeypatch, capsys, tmp_path):
    code, out = run_main(monkeypatch, capsys, "fit", tmp_path / "nope.yaml")
    assert code == 2 and "nope.yaml: cannot read" in out and out.strip().count("\n") == 0


@pytest.mark.parametrize("name", ["acsf", "wacsf", "ead"])
def test_export_names_descriptors_without_a_lammps_form(monkeypatch, capsys, tmp_path, name):
    """ACSF and EAD potentials have no LAMMPS form: export says so and points to the ASE calculator."""
    import numpy as np

    from atomforge.descriptors import make_descriptor
    from atomforge.models import DescriptorPotential, LinearModel

    desc = make_descriptor({"name": name, "elements": ["Cu"]})
    model = LinearModel(species=["Cu"]).set_coefficients(np.zeros((1, 1 + desc.n_features)))
    path = DescriptorPotential(desc, model).save(tmp_path / name)
    code, out = run_main(monkeypatch, capsys, "export", path, "--lammps", tmp_path / "out")
    assert code == 2 and out.strip().count("\n") == 0
    assert f"descriptor:{name}+linear potential has no LAMMPS form" in out and "calculator" in out


def test_no_help_text_is_cut_at_80_columns(monkeypatch, capsys):
    import typer

    from atomforge.cli import app

    monkeypatch.setenv("COLUMNS", "80")
    verbs = sorted(typer.main.get_command(app).commands)
    assert {"fit", "export", "validate", "quickstart"} <= set(verbs)
    for verb in [None, *verbs]:
        code, out = run_main(monkeypatch, capsys, *([verb] if verb else []), "--help")
        assert code == 0 and "…" not in out, (verb, out)
