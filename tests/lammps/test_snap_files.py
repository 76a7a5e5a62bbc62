"""Reading and writing LAMMPS .snapcoeff/.snapparam/.snap files."""

import glob

import numpy as np
import pytest

from atomforge.errors import PotentialFileError
from atomforge.lammps.snap import (n_bispectrum, n_snap_coeffs, read_snap, read_snap_include,
                                   write_snap)


def test_bispectrum_counts_match_lammps_documentation():
    # LAMMPS pair_style snap doc: twojmax 6 → 30 components, 8 → 55
    assert [n_bispectrum(t) for t in (2, 4, 6, 8)] == [5, 14, 30, 55]
    assert n_snap_coeffs(6, True) == 496 and n_snap_coeffs(8, True) == 1596


@pytest.mark.shared_data
def test_published_mlearn_files_round_trip(shared_data, tmp_path):
    paths = sorted(glob.glob(str(shared_data / "mlearn" / "*" / "published_models" / "*snap" / "*.snapcoeff")))
    assert len(paths) == 12
    for k, p in enumerate(paths):
        files = read_snap(p)
        assert "diagonalstyle" not in files.params
        c, q = write_snap(files, tmp_path / f"{k}.snapcoeff")
        again = read_snap(c, q)
        assert again.species == files.species
        np.testing.assert_array_equal(again.coeffs, files.coeffs)
        np.testing.assert_array_equal(again.radii, files.radii)
        assert again.params == files.params
        c2, _ = write_snap(again, tmp_path / f"{k}b.snapcoeff")
        assert c2.read_text() == c.read_text()


@pytest.mark.lammps
def test_ta06a_include_file_has_zbl():
    from atomforge.lammps.session import lammps_potentials_dir

    files = read_snap_include(lammps_potentials_dir() + "/Ta06A.snap")
    assert files.zbl == {"inner": 4.0, "outer": 4.8, "z": {"Ta": 73.0}}
    assert files.params["rcutfac"] == 4.67637 and files.params["twojmax"] == 6
    assert files.coeffs[0, 0] == -2.92477 and files.coeffs.shape == (1, 31)


def test_bad_files_name_the_problem(tmp_path):
    (tmp_path / "a.snapparam").write_text("rcutfac 4.0\ntwojmax 2\ndiagonalstyle 3")  # no final newline
    (tmp_path / "a.snapcoeff").write_text("1 6\nTa 0.5 1\n1\n2\n3\n")
    with pytest.raises(PotentialFileError, match="truncated"):
        read_snap(tmp_path / "a.snapcoeff")
    (tmp_path / "a.snapcoeff").write_text("1 5\nTa 0.5 1\n1\n2\n3\n4\n5\n6")
    with pytest.raises(PotentialFileError, match="needs 6"):
        read_snap(tmp_path / "a.snapcoeff")
    (tmp_path / "a.snapcoeff").write_text("1 6\nTa 0.5 1\n1\n2\n3\n4\n5\n6")
    assert read_snap(tmp_path / "a.snapcoeff").coeffs.tolist() == [[1, 2, 3, 4, 5, 6]]
    (tmp_path / "a.snapparam").write_text("rcutfac 4.0\ntwojmx 2\n")
    with pytest.raises(PotentialFileError, match="line 2: unknown SNAP parameter 'twojmx'"):
        read_snap(tmp_path / "a.snapcoeff")
