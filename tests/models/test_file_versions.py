"""Potential files of earlier format versions still load and give the same numbers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import atomforge
from atomforge.models import DescriptorPotential
from atomforge.pairs import ZBL

REFERENCE = Path(__file__).parents[1] / "reference"


def _structure():  # the structure of tests/reference/make_v1_potentials.py
    from ase.build import bulk

    atoms = bulk("NiAl", "cesiumchloride", a=2.88).repeat((2, 2, 2))
    atoms.positions += np.random.default_rng(5).normal(0.0, 0.1, atoms.positions.shape)
    return atoms


@pytest.mark.parametrize("name", ["snap_zbl_v1", "qsnap_v1"])
def test_format_1_snap_files_load_with_their_recorded_numbers(name, tmp_path):
    """Files written by main at 7a4557a (kind "snap", format 1) load as descriptor potentials."""
    expected = json.loads((REFERENCE / "v1_potentials_expected.json").read_text())[name]
    pot = atomforge.load(REFERENCE / f"{name}.atomforge")
    assert isinstance(pot, DescriptorPotential) and pot.kind == "descriptor"
    assert isinstance(pot.pair, ZBL) == (name == "snap_zbl_v1")
    ev = pot.evaluate(_structure())
    assert ev.energy == pytest.approx(expected["energy"], rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(ev.forces, expected["forces"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ev.stress, expected["stress"], rtol=1e-10, atol=1e-14)
    # saved again, it is a format-2 file with the same numbers
    again = atomforge.load(pot.save(tmp_path / name))
    assert again.evaluate(_structure()).energy == ev.energy
