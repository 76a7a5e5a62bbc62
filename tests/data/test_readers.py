"""Readers and the extxyz writer: units, signs, component orders, groups, round trips, detection."""

from __future__ import annotations

import json

import numpy as np
import pytest
from ase.io import write as ase_write

from atomforge.data import Dataset, Frame, detect_format, read_frames, write_extxyz
from atomforge.data.mlearn import SHEAR_ORDERS
from atomforge.errors import DataError
from foreign_writers import (BAR_IN_PA, KBAR_IN_PA, mlearn_record, write_fitsnap,
                             write_mlearn)

VASP = ("xx", "yy", "zz", "xy", "yz", "xz")
MO = ("xx", "yy", "zz", "xy", "xz", "yz")


def assert_same_labels(frame, atoms, energy, forces, stress, atol=1e-12):
    """``atol`` for positions and forces: extended XYZ stores them with 8 decimals."""
    np.testing.assert_allclose(frame.atoms.positions, atoms.positions, atol=atol)
    np.testing.assert_allclose(frame.atoms.cell.array, atoms.cell.array, atol=1e-12)
    assert frame.energy == pytest.approx(energy, abs=1e-12)
    np.testing.assert_allclose(frame.forces, forces, atol=atol)
    np.testing.assert_allclose(frame.stress, stress, rtol=1e-12, atol=1e-16)


def test_emt_stress_is_triclinic_and_not_hydrostatic(strained_cu):
    """The fixture exercises all six components, so an order or sign error cannot hide."""
    _, _, _, stress = strained_cu
    assert np.all(np.abs(stress) > 1e-5)
    assert len(set(np.round(np.abs(stress), 6))) == 6


@pytest.mark.parametrize("order", [VASP, MO], ids=["vasp-order", "mo-ni-cu-order"])
def test_mlearn_kbar_compressive_to_ase(strained_cu, tmp_path, order):
    atoms, energy, forces, stress = strained_cu
    path = tmp_path / "cu.json"
    write_mlearn(path, [mlearn_record(atoms, energy, forces, stress, order=order)])
    (frame,) = read_frames(path, shear_order=list(order))
    assert_same_labels(frame, atoms, energy, forces, stress)
    assert frame.group == "Elastic"


def test_mlearn_default_shear_order_is_per_element(strained_cu, tmp_path):
    atoms, energy, forces, stress = strained_cu
    assert SHEAR_ORDERS["Cu"] == MO and SHEAR_ORDERS["Si"] == VASP
    path = tmp_path / "cu.json"
    write_mlearn(path, [mlearn_record(atoms, energy, forces, stress, order=MO)])
    assert_same_labels(read_frames(path)[0], atoms, energy, forces, stress)
    wrong = read_frames(path, shear_order=list(VASP))[0].stress
    np.testing.assert_allclose(wrong[[3, 4]], stress[[4, 3]], rtol=1e-12)


def test_mlearn_unknown_element_needs_shear_order(strained_cu, tmp_path):
    atoms, energy, forces, stress = strained_cu
    atoms = atoms.copy()
    atoms.symbols[:] = "Au"
    path = tmp_path / "au.json"
    write_mlearn(path, [mlearn_record(atoms, energy, forces, stress)])
    with pytest.raises(DataError, match=r"au\.json, frame 0: field 'outputs\.virial_stress'.*shear_order"):
        read_frames(path)
    assert read_frames(path, shear_order=list(MO))[0].stress is not None


@pytest.mark.parametrize("style, unit", [("bar", BAR_IN_PA), ("kbar", KBAR_IN_PA), ("GPa", 1e9)])
def test_fitsnap_stress_units_and_sign(strained_cu, tmp_path, style, unit):
    atoms, energy, forces, stress = strained_cu
    path = tmp_path / "Elastic_FCC" / "cu.json"
    write_fitsnap(path, atoms, energy, forces, stress, unit_in_pa=unit, style=style)
    (frame,) = read_frames(path)
    assert_same_labels(frame, atoms, energy, forces, stress)
    assert frame.group == "Elastic_FCC"


def test_fitsnap_folder_groups_are_folder_names(strained_cu, tmp_path):
    atoms, energy, forces, stress = strained_cu
    for group in ("Volume_FCC", "Surface"):
        for k in range(2):
            write_fitsnap(tmp_path / "JSON" / group / f"{k}.json", atoms, energy, forces, stress)
    data = read_frames(tmp_path / "JSON")
    assert detect_format(tmp_path / "JSON") == "fitsnap"
    assert data.group_counts == {"Surface": 2, "Volume_FCC": 2}
    assert data.groups == ["Surface", "Volume_FCC"]  # sorted file order


def test_extxyz_round_trip(strained_cu, tmp_path):
    atoms, energy, forces, stress = strained_cu
    frames = [Frame(atoms.copy(), energy, forces, stress, group="strained", weight=2.5,
                    info={"description": "EMT Cu"}),
              Frame(atoms.copy(), energy - 1.0, -forces, None, group="other", weight=0.5)]
    path = write_extxyz(Dataset(frames), tmp_path / "out.xyz")
    back = read_frames(path)
    assert detect_format(path) == "ase"
    assert_same_labels(back[0], atoms, energy, forces, stress, atol=5.1e-9)
    assert back[1].energy == energy - 1.0 and back[1].stress is None
    np.testing.assert_allclose(back[1].forces, -forces, atol=5.1e-9)
    assert [(f.group, f.weight) for f in back] == [("strained", 2.5), ("other", 0.5)]
    assert back[0].info["description"] == "EMT Cu"


def test_extxyz_write_is_atomic(strained_cu, tmp_path):
    atoms, energy, forces, _ = strained_cu
    path = tmp_path / "keep.xyz"
    write_extxyz([Frame(atoms, energy, forces)], path)
    before = path.read_bytes()
    broken = Frame(atoms, energy, forces)
    broken.forces = "not an array"
    with pytest.raises(Exception):
        write_extxyz([Frame(atoms, energy, forces), broken], path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.xyz"]


def test_ase_group_from_config_type_else_stem(strained_cu, tmp_path):
    atoms, energy, forces, stress = strained_cu
    from ase.calculators.singlepoint import SinglePointCalculator

    a = atoms.copy()
    a.calc = SinglePointCalculator(a, energy=energy, forces=forces, stress=stress)
    ase_write(tmp_path / "plain.xyz", a, format="extxyz")
    assert read_frames(tmp_path / "plain.xyz")[0].group == "plain"
    a.info["config_type"] = "bulk"
    ase_write(tmp_path / "typed.xyz", a, format="extxyz")
    assert read_frames(tmp_path / "typed.xyz")[0].group == "bulk"
    ase_write(tmp_path / "t.traj", a)
    (frame,) = read_frames(tmp_path / "t.traj")
    assert_same_labels(frame, atoms, energy, forces, stress)
    assert frame.group == "bulk"


def test_group_csv_beside_xyz(strained_cu, tmp_path):
    atoms, energy, forces, _ = strained_cu
    write_extxyz([Frame(atoms, energy, forces)] * 2, tmp_path / "Cu_train.xyz")
    (tmp_path / "Cu_train_groups_inferred.csv").write_text(
        "# comment\nindex,num_atoms,energy_eV,group\n0,4,0.0,Elastic\n1,4,0.0,Surface\n")
    assert read_frames(tmp_path / "Cu_train.xyz").groups == ["Elastic", "Surface"]
    (tmp_path / "Cu_train_groups_inferred.csv").write_text(
        "index,num_atoms,energy_eV,group\n0,4,0.0,Elastic\n1,5,0.0,Surface\n")
    with pytest.raises(DataError, match=r"groups_inferred\.csv, frame 1: field 'num_atoms'"):
        read_frames(tmp_path / "Cu_train.xyz")


def test_explicit_format_overrides_detection(strained_cu, tmp_path):
    atoms, energy, forces, stress = strained_cu
    path = tmp_path / "data.txt"
    write_mlearn(path, [mlearn_record(atoms, energy, forces, stress)])
    assert detect_format(path) == "mlearn"
    assert len(read_frames(path, format="mlearn")) == 1
    with pytest.raises(DataError, match=r"data\.txt.*extxyz"):
        read_frames(path, format="extxyz")


def test_fitsnap_detected_without_comment_line(strained_cu, tmp_path):
    atoms, energy, forces, stress = strained_cu
    path = tmp_path / "g" / "x.json"
    write_fitsnap(path, atoms, energy, forces, stress)
    path.write_text(path.read_text().split("\n", 1)[1])
    assert detect_format(path) == "fitsnap"
    doc = json.loads(path.read_text())
    assert read_frames(path)[0].energy == doc["Dataset"]["Data"][0]["Energy"]


def test_ase_db_reads_labels(strained_cu, tmp_path):
    from ase.calculators.singlepoint import SinglePointCalculator
    from ase.db import connect

    atoms, energy, forces, stress = strained_cu
    a = atoms.copy()
    a.calc = SinglePointCalculator(a, energy=energy, forces=forces, stress=stress)
    with connect(tmp_path / "set.db") as db:
        db.write(a)
        db.write(a)
    data = read_frames(tmp_path / "set.db")
    assert len(data) == 2 and data.groups == ["set"]
    assert_same_labels(data[1], atoms, energy, forces, stress)
