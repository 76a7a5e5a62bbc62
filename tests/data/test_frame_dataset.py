"""validate_frame's checks on structures built in memory, and the Dataset split."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk

from atomforge.data import Dataset, Frame, validate_frame
from atomforge.errors import DataError


def frame_of(atoms, **kw):
    return Frame(atoms, energy=kw.pop("energy", -1.0), **kw)


@pytest.mark.parametrize("atoms, match", [
    (Atoms("Cu2", positions=[[0, 0, 0], [1, 0, 0]], cell=[[3, 0, 0], [6, 0, 0], [0, 0, 5]],
           pbc=[True, True, False]), "field 'cell': periodic cell has zero area"),
    (Atoms("Cu", cell=[3, 3, 0.05], pbc=True), "lattice planes 0.05 Å apart"),
    (Atoms("Cu2", positions=[[0, 0, 0], [2e6, 0, 0]]), "field 'positions': coordinate 2e\\+06 Å at atom 1"),
    (Atoms("Cu", positions=[[np.nan, 0, 0]], cell=[3, 3, 3], pbc=True), "field 'positions': non-finite"),
    (Atoms("Cu2", positions=[[0, 0, 0], [2.95, 0, 0]], cell=[3, 3, 3], pbc=True),
     "atoms 0 and 1 are 0.05 Å apart"),  # close only through the periodic image
], ids=["slab-parallel-vectors", "plane-spacing-below-0.1", "coordinate-unit-error", "nan-position",
        "close-through-image"])
def test_structure_checks(atoms, match):
    with pytest.raises(DataError, match=f"x.xyz, frame 4: {match}" if "field" in match else match):
        validate_frame(frame_of(atoms), source="x.xyz", index=4)


def test_label_checks():
    atoms = bulk("Cu", cubic=True)
    with pytest.raises(DataError, match="field 'stress': expected 6 Voigt components"):
        validate_frame(frame_of(atoms, stress=np.zeros(9)), index=0)
    with pytest.raises(DataError, match="field 'weight'"):
        validate_frame(frame_of(atoms, weight=-1.0), index=0)
    assert validate_frame(Frame(atoms), require_energy=False).energy is None


def test_split_is_stratified_and_reproducible():
    atoms = bulk("Cu")
    frames = [Frame(atoms, -1.0, group=g) for g in ["a"] * 20 + ["b"] * 10 + ["c"] * 2 + ["d"]]
    data = Dataset(frames)
    train, test = data.split(0.2, seed=1)
    assert test.group_counts == {"a": 4, "b": 2, "c": 1}
    assert len(train) + len(test) == len(data)
    assert {id(f) for f in train}.isdisjoint({id(f) for f in test})
    again = data.split(0.2, seed=1)[1]
    assert [id(f) for f in again] == [id(f) for f in test]
    other = data.split(0.2, seed=2)[1]
    assert [id(f) for f in other] != [id(f) for f in test]
