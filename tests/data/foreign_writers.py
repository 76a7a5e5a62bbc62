"""Test helpers that write mlearn and FitSNAP files from ASE structures, with their own unit arithmetic.

The conversions here are written out from the definitions (1 bar = 1e5 Pa, 1 eV/Å³ = e·1e30 Pa,
foreign files positive = compressive), independently of ``atomforge.units``. The elementary charge is
ASE's (CODATA 2014 by default), the one EMT's stress and ``ase.units.GPa`` are built on.
"""

from __future__ import annotations

import json

import numpy as np
from ase.units import _e

EV_PER_A3_IN_PA = _e / 1e-30
BAR_IN_PA = 1e5
KBAR_IN_PA = 1e8


def compressive(stress_voigt_ev_a3, unit_in_pa):
    """ASE-sign Voigt stress in eV/Å³ → the foreign convention (positive = compressive) in ``unit``."""
    return -np.asarray(stress_voigt_ev_a3) * EV_PER_A3_IN_PA / unit_in_pa


def full_matrix(voigt):
    xx, yy, zz, yz, xz, xy = voigt
    return [[xx, xy, xz], [xy, yy, yz], [xz, yz, zz]]


def mlearn_record(atoms, energy, forces, stress, group="Elastic", order=("xx", "yy", "zz", "xy", "xz", "yz")):
    """One mlearn record; ``stress`` in eV/Å³ (ASE sign) is written as kbar, compressive, in ``order``."""
    kbar = compressive(stress, KBAR_IN_PA)
    index = {"xx": 0, "yy": 1, "zz": 2, "yz": 3, "xz": 4, "xy": 5}
    return {
        "structure": {"@module": "pymatgen.core.structure", "@class": "Structure", "charge": 0,
                      "lattice": {"matrix": atoms.cell.array.tolist()},
                      "sites": [{"species": [{"element": s, "occu": 1}], "xyz": p.tolist(),
                                 "abc": f.tolist(), "label": s}
                                for s, p, f in zip(atoms.get_chemical_symbols(), atoms.positions,
                                                   atoms.get_scaled_positions(wrap=False))]},
        "outputs": {"energy": float(energy), "forces": np.asarray(forces).tolist(),
                    "virial_stress": [float(kbar[index[c]]) for c in order]},
        "num_atoms": len(atoms), "group": group, "description": "test"}


def write_mlearn(path, records):
    path.write_text(json.dumps(records))


def write_fitsnap(path, atoms, energy, forces, stress, unit_in_pa=BAR_IN_PA, style="bar"):
    """A FitSNAP JSON file with one configuration; ``stress`` eV/Å³ (ASE sign) → ``style``, compressive."""
    conf = {"AtomTypes": atoms.get_chemical_symbols(), "NumAtoms": len(atoms),
            "Lattice": atoms.cell.array.tolist(), "Positions": atoms.positions.tolist(),
            "Energy": float(energy), "Forces": np.asarray(forces).tolist(),
            "Stress": full_matrix(compressive(stress, unit_in_pa).tolist())}
    doc = {"Dataset": {"Data": [conf], "StressStyle": style, "EnergyStyle": "electronvolt",
                       "LatticeStyle": "angstrom", "PositionsStyle": "angstrom",
                       "ForcesStyle": "electronvoltperangstrom", "AtomTypeStyle": "chemicalsymbol",
                       "Label": "test"}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# A test JSON file for QM data\n" + json.dumps(doc))
