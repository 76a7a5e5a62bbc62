"""The public reference sets read completely, with the counts and stress signs their READMEs state."""

from __future__ import annotations

import numpy as np
import pytest

from atomforge.data import read_frames

pytestmark = pytest.mark.shared_data

# (train frames, train atoms, test frames, test atoms), from ../shared/data/README.md
MLEARN_COUNTS = {
    "Ni": (263, 27420, 31, 3158), "Cu": (262, 27416, 31, 3178), "Li": (241, 11576, 29, 1320),
    "Mo": (194, 10087, 23, 1189), "Si": (214, 13233, 25, 1525), "Ge": (228, 14072, 25, 1568),
}
MLEARN_GROUPS = {"AIMD-NVT", "Elastic", "Surface", "Vacancy"}
# (configs, atoms) per group, from ../shared/data/Ta_JCP2014/README.md
TA_GROUPS = {
    "Displaced_A15": (9, 576), "Displaced_BCC": (9, 486), "Displaced_FCC": (9, 432),
    "Elastic_BCC": (100, 200), "Elastic_FCC": (100, 400), "GSF_110": (22, 528),
    "GSF_112": (22, 660), "Liquid": (3, 300), "Surface": (7, 236), "Volume_A15": (30, 240),
    "Volume_BCC": (21, 42), "Volume_FCC": (31, 124),
}


def mlearn_train_path(root, element):
    folder = root / "mlearn" / element
    return folder / "training.json" if (folder / "training.json").exists() \
        else folder / f"{element}_train.xyz"


@pytest.fixture(scope="module")
def mlearn(shared_data):
    return {(el, part): read_frames(mlearn_train_path(shared_data, el) if part == "train"
                                    else shared_data / "mlearn" / el / "test.json")
            for el in MLEARN_COUNTS for part in ("train", "test")}


@pytest.mark.slow
@pytest.mark.parametrize("element", MLEARN_COUNTS)
def test_mlearn_counts_groups_and_labels(mlearn, element):
    n_train, atoms_train, n_test, atoms_test = MLEARN_COUNTS[element]
    train, test = mlearn[element, "train"], mlearn[element, "test"]
    assert (len(train), train.n_atoms, len(test), test.n_atoms) == \
        (n_train, atoms_train, n_test, atoms_test)
    for data in (train, test):
        assert data.species == [element]
        assert set(data.groups) <= MLEARN_GROUPS and "Elastic" in data.groups
        assert all(f.energy is not None and f.forces.shape == (f.n_atoms, 3) for f in data)
    assert all(f.stress is not None for f in test)


@pytest.mark.slow
@pytest.mark.parametrize("element", MLEARN_COUNTS)
def test_mlearn_compressed_elastic_frame_is_compressive(mlearn, element):
    """The smallest-volume Elastic frame (strain −5…−10 %, or −0.5 % for Li) pushes outward:
    negative trace in the ASE sign. Mo, Ni and Cu also have +9…10 % strains: positive trace."""
    elastic = [f for f in mlearn[element, "test"] if f.group == "Elastic"]
    volume = np.array([f.atoms.get_volume() / f.n_atoms for f in elastic])
    trace = np.array([f.stress[:3].sum() for f in elastic])
    assert trace[np.argmin(volume)] < 0
    if element in ("Mo", "Ni", "Cu"):
        assert trace[np.argmax(volume)] > 0


def test_ta_counts_per_group(shared_data):
    data = read_frames(shared_data / "Ta_JCP2014" / "JSON")
    assert (len(data), data.n_atoms, data.species) == (363, 4224, ["Ta"])
    got = {g: (n, sum(f.n_atoms for f in data if f.group == g))
           for g, n in data.group_counts.items()}
    assert got == TA_GROUPS


def test_ta_volume_bcc_compression_sign(shared_data):
    """BCC Ta at a = 2.2 Å (3.3 Å at equilibrium) holds +2.99e7 bar of pressure: −18.7 eV/Å³ per axis."""
    folder = shared_data / "Ta_JCP2014" / "JSON" / "Volume_BCC"
    data = read_frames(folder)
    (squeezed,) = [f for f in data if f.source.startswith(str(folder / "BCC_2.2.json"))]
    assert np.allclose(squeezed.stress[:3], -29925857.27 * 1e5 / 160.21766208e9, rtol=1e-6)
    volume = np.array([f.atoms.get_volume() / f.n_atoms for f in data])
    trace = np.array([f.stress[:3].sum() for f in data])
    assert trace[np.argmin(volume)] < 0 < trace[np.argmax(volume)]
