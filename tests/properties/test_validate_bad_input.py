"""``atomforge validate`` with bad input: one line on stderr, status 2, no traceback (run as a user runs it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import atomforge

ENV = {**os.environ, "PYTHONPATH": str(Path(atomforge.__file__).resolve().parents[1])}


def _validate(tmp_path, *args):
    r = subprocess.run([sys.executable, "-c", "from atomforge.cli import main; main()", "validate", *args],
                       capture_output=True, text=True, env=ENV, cwd=tmp_path, timeout=300)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2, r.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    return lines[0]


def test_out_onto_an_existing_file(tmp_path):
    (tmp_path / "taken").write_text("keep me")
    msg = _validate(tmp_path, "emt", "-e", "Cu", "--properties", "lattice", "--out", "taken")
    assert "--out taken: exists and is not a folder" in msg
    assert (tmp_path / "taken").read_text() == "keep me"


@pytest.mark.parametrize("content,expected", [
    (None, "--config cfg.yaml: cannot read it (FileNotFoundError"),
    ("dir", "--config cfg.yaml: cannot read it (IsADirectoryError"),
    (b"\xff\xfe\x00bad", "--config cfg.yaml: cannot read it (UnicodeDecodeError"),
    ("eos_points: [1, 2\n", "--config cfg.yaml: not YAML/JSON"),
    ("- 1\n- 2\n", "--config cfg.yaml: expected a mapping, found list"),
    ("eos_pionts: 9\n", "cfg.yaml: unknown key 'eos_pionts'; did you mean 'eos_points'?"),
], ids=["missing", "directory", "binary", "bad-yaml", "list", "unknown-key"])
def test_config_missing_or_unreadable(tmp_path, content, expected):
    cfg = tmp_path / "cfg.yaml"
    if content == "dir":
        cfg.mkdir()
    elif isinstance(content, bytes):
        cfg.write_bytes(content)
    elif content is not None:
        cfg.write_text(content)
    assert expected in _validate(tmp_path, "emt", "-e", "Cu", "--config", "cfg.yaml", "--out", "o")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("element,expected", [("Xx", "element 'Xx' is not a chemical element symbol"),
                                              ("Fe", "EMT has parameters for Ag, Al, Au, C, Cu, H, N, Ni, O, Pd, Pt, "
                                                     "not 'Fe'")])
def test_emt_with_an_unknown_element(tmp_path, element, expected):
    assert expected in _validate(tmp_path, "emt", "-e", element, "--reference", "none", "--out", "o")


@pytest.mark.lammps
@pytest.mark.parametrize("style, coeff", [("eam/alloy", "* * nothere.eam.alloy Cu"),
                                          ("eam", "* * nothere.eam")])  # eam crashed LAMMPS's teardown
def test_lammps_with_a_missing_pair_coeff_file_keeps_lammps_message_in_one_line(tmp_path, style, coeff):
    msg = _validate(tmp_path, "lammps", "-e", "Cu", "--pair-style", style, "--pair-coeff", coeff, "--out", "o")
    assert msg.startswith(f"error: LAMMPS refused pair_style {style}: ERROR")
    assert f"potential file {coeff.split()[2]}: No such file or directory" in msg


@pytest.mark.lammps
def test_builtin_potential_for_another_element(tmp_path):
    assert "species are ['Cu'], not 'Ta'" in _validate(tmp_path, "Cu_mishin1", "-e", "Ta", "-s", "bcc", "--out", "o")
