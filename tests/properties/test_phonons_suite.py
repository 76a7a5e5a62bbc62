"""Phonons against ASE's own finite-difference phonons; the suite and the CLI end to end on EMT."""

from __future__ import annotations

import json

import numpy as np
import pytest
from ase.calculators.emt import EMT
from typer.testing import CliRunner

from atomforge.cli import app
from atomforge.lammps.pair import LammpsPair
from atomforge.errors import ConfigError
from atomforge.properties.lattice import lattice_constants
from atomforge.properties.phonons import phonons


def test_phonon_frequencies_match_ase_phonons(tmp_path):
    """At wave vectors commensurate with the 4×4×4 supercell both are exact up to the finite difference."""
    from ase.build import bulk
    from ase.phonons import Phonons
    from ase.units import _e, _hplanck

    calc = EMT()
    lat = lattice_constants("Cu", "fcc", calc)
    ours = phonons(lat.atoms, calc, (4, 4, 4), n_q=60, mesh=(4, 4, 4))
    prim = bulk("Cu", "fcc", a=lat.a)
    ph = Phonons(prim, EMT(), supercell=(4, 4, 4), delta=0.01, name=str(tmp_path / "ph"))
    ph.run()
    ph.read(acoustic=False)
    frac = ours.qpoints @ prim.cell.array.T  # fractional in ASE's primitive reciprocal cell
    keep = np.all(np.abs(frac * 4 - np.round(frac * 4)) < 1e-8, axis=1)
    assert keep.sum() >= 5  # Γ, X, W, L on the path
    ref_thz = ph.band_structure(frac[keep]).real * _e / _hplanck / 1e12  # eV → THz
    assert np.allclose(np.sort(ours.frequencies[keep], axis=1), np.sort(ref_thz, axis=1), atol=0.02)
    assert np.abs(ours.frequencies[0]).max() < 1e-3  # acoustic sum rule at Γ


@pytest.mark.slow
def test_cli_validate_emt_writes_json_report_plots(tmp_path):
    res = CliRunner().invoke(app, ["validate", "emt", "-e", "Cu", "-s", "fcc", "--quick", "--out", str(tmp_path),
                                   "--properties", "lattice,eos,elastic,stacking_faults,phonons,vacancy"])
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "result.json").read_text())
    for f in ("report.md", "eos.png", "gamma_lines.png", "phonons.png", "radar.png"):
        assert (tmp_path / f).stat().st_size > 0
    s = doc["summary"]
    assert s["a"]["unit"] == "Å" and s["C11"]["unit"] == "GPa"
    # the EOS bulk modulus agrees with (C11 + 2 C12) / 3 of the same run (independent routes)
    assert s["B"]["value"] == pytest.approx((s["C11"]["value"] + 2 * s["C12"]["value"]) / 3, rel=0.01)
    assert doc["properties"]["vacancy"]["Evf"]["supercell"] == [2, 2, 2]
    assert doc["properties"]["vacancy"]["Evf"]["converged"] is False  # --quick: one size, says so
    assert doc["reference"]["a"] == 3.615
    report = (tmp_path / "report.md").read_text()
    assert "| a |" in report and "**Quick run**" in report and "| Evf | " in report and "(not converged)" in report
    # a second run compared with the first: Δ gauge of identical EOS is zero, also through --reference
    ref = {"V0": s["V0"]["value"], "B": s["B"]["value"], "Bp": s["Bp"]["value"], "a": 3.615}
    (tmp_path / "ref.json").write_text(json.dumps(ref))
    (tmp_path / "cfg.yaml").write_text("eos_points: 9\n")
    res = CliRunner().invoke(app, ["validate", "emt", "-e", "Cu", "--out", str(tmp_path / "b"), "--properties",
                                   "lattice,eos", "--compare", str(tmp_path / "result.json"), "--reference",
                                   str(tmp_path / "ref.json"), "--config", str(tmp_path / "cfg.yaml")])
    assert res.exit_code == 0, res.output
    doc2 = json.loads((tmp_path / "b" / "result.json").read_text())
    assert len(doc2["properties"]["eos"]["volumes"]["value"]) == 9
    assert doc2["comparisons"]["EMT"]["delta"]["value"] == pytest.approx(0.0, abs=1e-3)
    assert doc2["comparisons"]["reference"]["delta"]["value"] == pytest.approx(0.0, abs=1e-3)


def test_cli_rejects_unknown_property(tmp_path):
    res = CliRunner().invoke(app, ["validate", "emt", "-e", "Cu", "--out", str(tmp_path), "--properties", "lattice,foo"])
    assert res.exit_code != 0
    assert isinstance(res.exception, ConfigError) and "foo" in str(res.exception)


def test_lammps_pair_spec_reads_json_and_yaml(tmp_path):
    (tmp_path / "my.eam.alloy").write_text("x")
    (tmp_path / "p.json").write_text(json.dumps({"pair_style": "eam/alloy", "pair_coeff": "* * my.eam.alloy Cu",
                                                 "species": ["Cu"]}))
    (tmp_path / "p.yaml").write_text("pair_style: eam/alloy\npair_coeff: ['* * my.eam.alloy Cu']\nspecies: Cu\n")
    for name in ("p.json", "p.yaml"):
        pair = LammpsPair.read(tmp_path / name)
        assert pair.commands() == ["pair_style eam/alloy", f"pair_coeff * * {tmp_path / 'my.eam.alloy'} Cu"]
    (tmp_path / "bad.json").write_text(json.dumps({"pair_style": "eam", "pair_coef": [], "species": ["Cu"]}))
    with pytest.raises(ConfigError, match="bad.json.*pair_coef"):
        LammpsPair.read(tmp_path / "bad.json")


def test_validate_config_unknown_key_suggests_nearest():
    from atomforge.properties import ValidateConfig

    with pytest.raises(ConfigError, match="did you mean 'md_time'"):
        ValidateConfig.from_dict({"element": "Cu", "structure": "fcc", "md_tme": 1.0})


def test_md_stability_flags_contacts_below_threshold():
    from atomforge.properties.md_stability import md_stability

    lat = lattice_constants("Cu", "fcc", EMT())
    kw = dict(supercell=(2, 2, 2), temperature=300.0, time_nvt=0.02, time_nve=0.02, every=5)
    d_nn = lat.a / np.sqrt(2)
    low = md_stability(lat.atoms, EMT(), threshold=0.5 * d_nn, **kw)
    high = md_stability(lat.atoms, EMT(), threshold=1.2 * d_nn, **kw)
    assert not low.too_close and high.too_close
    assert 0.7 * d_nn < low.min_distance < d_nn  # thermal motion brings neighbours a little closer
    assert abs(low.drift) < 1.0  # meV/atom/ps at 1 fs
