"""Reading and writing LAMMPS meam/spline files (old and new formats)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from smeam_helpers import published_path, structures, two_element_potential

import atomforge
from atomforge.errors import PotentialFileError
from atomforge.lammps.meam_spline import format_meam_spline, read_meam_spline, write_lammps_meam_spline
from atomforge.models.meam_spline import pair_index


def same_splines(a, b):
    assert a.species == b.species
    for name in ("phi", "rho", "U", "f", "g"):
        for s, t in zip(getattr(a, name), getattr(b, name), strict=True):
            assert np.array_equal(s.x, t.x) and np.array_equal(s.y, t.y)
            assert (s.d0, s.dn) == (t.d0, t.dn)


@pytest.mark.shared_data
def test_published_new_format_reads_as_documented():
    data = read_meam_spline(published_path("Ni"))
    assert data.new_format and data.species == ["Ni"]
    assert [len(getattr(data, k)) for k in ("phi", "rho", "U", "f", "g")] == [1] * 5
    assert data.phi[0].x[-1] == pytest.approx(3.9) and data.phi[0].n_knots == 7
    assert data.g[0].dn == pytest.approx(-261.0336579067671892)
    assert data.U[0].x[0] == -1.0 and data.U[0].y[0] == pytest.approx(1.3551261268941066)


@pytest.mark.shared_data
def test_new_format_round_trips_unchanged(tmp_path):
    pot = atomforge.load(published_path("Cu"))
    first = write_lammps_meam_spline(pot, tmp_path / "a.meam.spline")
    again = atomforge.load(first)
    second = write_lammps_meam_spline(again, tmp_path / "b.meam.spline")
    same_splines(read_meam_spline(published_path("Cu")), read_meam_spline(second))
    assert first.read_text() == second.read_text()
    assert again.comment == pot.comment


@pytest.mark.lammps
def test_old_format_round_trips_unchanged(tmp_path):
    from atomforge.lammps.session import lammps_potentials_dir

    src = Path(lammps_potentials_dir()) / "Ti.meam.spline"
    pot = atomforge.load(src)
    assert pot.species == ["Ti"] and not pot.new_format
    out = write_lammps_meam_spline(pot, tmp_path / "Ti_copy.meam.spline")
    assert "meam/spline" not in out.read_text().splitlines()[1]
    same_splines(read_meam_spline(src), read_meam_spline(out))


@pytest.mark.shared_data
def test_two_element_file_order_and_atomforge_file(tmp_path):
    pot = two_element_potential()
    path = write_lammps_meam_spline(pot, tmp_path / "NiCu.meam.spline")
    data = read_meam_spline(path)
    assert data.species == ["Ni", "Cu"] and len(data.phi) == 3 and len(data.g) == 3
    assert np.array_equal(data.phi[pair_index(1, 0, 2)].y, pot.splines["phi"][1].y)
    saved = atomforge.load(pot.save(tmp_path / "nicu"))
    atoms = structures("Ni")["bulk"]
    atoms.symbols[::3] = "Cu"
    assert saved.evaluate(atoms).energy == pot.evaluate(atoms).energy


def test_pair_index_is_symmetric_upper_triangle():
    n = 3
    got = sorted(pair_index(a, b, n) for a in range(n) for b in range(a, n))
    assert got == list(range(6))
    assert all(pair_index(a, b, n) == pair_index(b, a, n) for a in range(n) for b in range(n))


@pytest.mark.shared_data
def test_truncated_file_names_the_line(tmp_path):
    text = Path(published_path("Ni")).read_text().splitlines()
    bad = tmp_path / "Ni.meam.spline"
    bad.write_text("\n".join(text[:20]) + "\n")
    with pytest.raises(PotentialFileError, match=r"Ni.meam.spline, line \d+: unexpected end"):
        atomforge.load(bad)
    text = format_meam_spline(read_meam_spline(published_path("Ni")))
    bad.write_text(text.replace("spline3eq\n7", "spline3eq\nseven", 1))
    with pytest.raises(PotentialFileError, match="line 4"):
        atomforge.load(bad)
