"""Fixtures of the data-layer tests: a strained, rattled Cu cell labelled by EMT."""

from __future__ import annotations

import numpy as np
import pytest
from ase.build import bulk
from ase.calculators.emt import EMT


@pytest.fixture(scope="session")
def strained_cu():
    """A triclinically strained, rattled 4-atom Cu cell with its EMT energy, forces and stress."""
    atoms = bulk("Cu", "fcc", a=3.6, cubic=True)
    strain = np.array([[-0.02, 0.01, 0.004], [0.01, 0.015, -0.006], [0.004, -0.006, -0.01]])
    atoms.set_cell(atoms.cell.array @ (np.eye(3) + strain), scale_atoms=True)
    atoms.rattle(0.05, seed=3)
    atoms.calc = EMT()
    labels = (atoms.get_potential_energy(), atoms.get_forces(), atoms.get_stress())
    atoms.calc = None
    return atoms, *labels


@pytest.fixture(scope="session")
def truncation_sources(strained_cu, tmp_path_factory):
    """Complete one-frame files as text: extxyz, mlearn JSON and FitSNAP JSON."""
    from atomforge.data import Frame, write_extxyz
    from foreign_writers import mlearn_record, write_fitsnap

    atoms, energy, forces, stress = strained_cu
    folder = tmp_path_factory.mktemp("complete")
    write_extxyz([Frame(atoms, energy, forces, stress)], folder / "a.xyz")
    write_fitsnap(folder / "b.json", atoms, energy, forces, stress)
    import json

    return {"extxyz": (folder / "a.xyz").read_text(),
            "mlearn": json.dumps([mlearn_record(atoms, energy, forces, stress)]),
            "fitsnap": (folder / "b.json").read_text()}
