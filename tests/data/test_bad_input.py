"""Bad reference data raises DataError naming file, frame and field; garbage never escapes as another error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atomforge.data import read_frames
from atomforge.errors import DataError

BAD = Path(__file__).parent / "bad"

# file → regex on the message: file, frame index, field, and what was found
CASES = {
    "nan_force.xyz": r"nan_force\.xyz, frame 1: field 'forces': nan at atom 2",
    "inf_energy.xyz": r"inf_energy\.xyz, frame 1: field 'energy': energy is inf",
    "missing_energy.xyz": r"missing_energy\.xyz, frame 2: field 'energy': missing total energy",
    "wrong_force_shape.json": r"wrong_force_shape\.json, frame 1: field 'outputs\.forces': "
                              r"expected shape \(3, 3\), got \(2, 3\)",
    "close_atoms.xyz": r"close_atoms\.xyz, frame 1: field 'positions': atoms 0 and 1 are 0\.05 Å apart",
    "zero_volume.json": r"zero_volume\.json, frame 0: field 'cell': periodic cell has zero volume",
    "negative_volume.xyz": r"negative_volume\.xyz, frame 1: field 'cell': periodic cell has "
                           r"negative volume \(-64",
    "unknown_element.json": r"unknown_element\.json, frame 0: field 'AtomTypes': unknown element "
                            r"symbol 'Xx' at atom 1",
    "unknown_element.xyz": r"unknown_element\.xyz, frame 1: field 'species': unknown element 'Xx' at atom 1 "
                           r"\(line 8\)",
    "empty.xyz": r"empty\.xyz: the file is empty",
    # ase.io.read would skip lines for hours on this header
    "huge_atom_count.xyz": r"huge_atom_count\.xyz, frame 1: field 'natoms': header says "
                           r"999999999999 atoms but 1 lines follow; the file is truncated",
}


@pytest.mark.parametrize("name, pattern", CASES.items(), ids=list(CASES))
def test_bad_file_names_file_frame_and_field(name, pattern):
    with pytest.raises(DataError, match=pattern) as info:
        read_frames(BAD / name)
    assert info.value.source == str(BAD / name)


def test_every_bad_file_has_a_case():
    assert sorted(p.name for p in BAD.iterdir()) == sorted(CASES)


@pytest.mark.parametrize("name", ["nan_force.xyz", "missing_energy.xyz", "wrong_force_shape.json"])
def test_messages_say_what_to_do(name):
    with pytest.raises(DataError, match="remove the frame|expected shape"):
        read_frames(BAD / name)


def test_unknown_element_in_extxyz(tmp_path):
    path = tmp_path / "xx.xyz"
    path.write_text('1\nLattice="3 0 0 0 3 0 0 0 3" energy=-1.0 pbc="T T T"\nXx 0 0 0\n')
    with pytest.raises(DataError, match=r"xx\.xyz"):
        read_frames(path)


def test_missing_path_and_unknown_format(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_frames(tmp_path / "absent.xyz")
    from atomforge.errors import ConfigError

    (tmp_path / "a.xyz").write_text("1\n\nCu 0 0 0\n")
    with pytest.raises(ConfigError, match="unknown data format 'nope'.*fitsnap"):
        read_frames(tmp_path / "a.xyz", format="nope")


def assert_clean_outcome(path, **kwargs):
    """read_frames either succeeds with validated frames or raises DataError, nothing else."""
    try:
        dataset = read_frames(path, **kwargs)
    except DataError as err:
        assert str(path) in str(err)
    else:
        assert len(dataset) > 0 and all(f.energy is not None for f in dataset)


SUFFIXES = ["", ".xyz", ".extxyz", ".json", ".dat", ".traj", ".db", ".OUTCAR"]
FAST = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@FAST
@given(data=st.binary(max_size=400), suffix=st.sampled_from(SUFFIXES))
def test_random_bytes_raise_data_error(tmp_path, data, suffix):
    path = tmp_path / f"garbage{suffix}"
    path.write_bytes(data)
    assert_clean_outcome(path)


@FAST
@given(text=st.text(alphabet="0123456789 .-\nCuTaXLatticePropertiesenergyforcesRS=:\"", max_size=300))
def test_random_xyz_like_text_raises_data_error(tmp_path, text):
    path = tmp_path / "random.xyz"
    path.write_text(text)
    assert_clean_outcome(path)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=True)
    | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12)
numbers3 = st.lists(st.floats(-20, 20) | st.integers(-3, 3), min_size=3, max_size=3)
mlearn_like = st.lists(st.fixed_dictionaries({
    "structure": st.fixed_dictionaries({
        "lattice": st.fixed_dictionaries({"matrix": st.lists(numbers3, min_size=3, max_size=3)
                                          | json_values}),
        "sites": st.lists(st.fixed_dictionaries({
            "species": st.just([{"element": "Cu", "occu": 1}]) | json_values,
            "xyz": numbers3 | json_values}), max_size=3) | json_values}),
    "outputs": st.fixed_dictionaries({"energy": st.floats() | json_values,
                                      "forces": st.lists(numbers3, max_size=3) | json_values,
                                      "virial_stress": json_values}),
    "group": json_values}), max_size=3)
fitsnap_like = st.fixed_dictionaries({"Dataset": st.fixed_dictionaries({
    "StressStyle": st.just("bar") | json_values,
    "Data": st.lists(st.fixed_dictionaries({
        "AtomTypes": st.lists(st.sampled_from(["Ta", "Xx", "W"]), max_size=3) | json_values,
        "Positions": st.lists(numbers3, max_size=3) | json_values,
        "Lattice": st.lists(numbers3, min_size=3, max_size=3) | json_values,
        "Energy": st.floats() | json_values,
        "Forces": st.lists(numbers3, max_size=3) | json_values,
        "Stress": st.lists(numbers3, min_size=3, max_size=3) | json_values}), max_size=2)})})


@FAST
@given(doc=json_values | mlearn_like, suffix=st.sampled_from([".json", ""]))
def test_random_json_raises_data_error(tmp_path, doc, suffix):
    path = tmp_path / f"random{suffix}"
    path.write_text(json.dumps(doc))
    assert_clean_outcome(path)
    assert_clean_outcome(path, format="mlearn")


@FAST
@given(doc=fitsnap_like)
def test_random_fitsnap_json_raises_data_error(tmp_path, doc):
    path = tmp_path / "random_fitsnap.json"
    path.write_text("# A test JSON file for QM data\n" + json.dumps(doc))
    assert_clean_outcome(path)


GOOD_XYZ = (BAD / "nan_force.xyz").read_text().split("3\n")[0]  # its first, valid frame


@pytest.mark.parametrize("source", ["extxyz", "mlearn", "fitsnap"])
@given(fraction=st.floats(0.02, 0.98))
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_truncated_files_raise_data_error(tmp_path, source, fraction, truncation_sources):
    text = truncation_sources[source]
    path = tmp_path / f"truncated_{source}{'.xyz' if source == 'extxyz' else '.json'}"
    # keep at most len - 12 characters: cutting digits off the last number leaves a valid file
    path.write_text(text[: 1 + int(fraction * (len(text) - 13))])
    with pytest.raises(DataError, match="truncated"):
        read_frames(path)
