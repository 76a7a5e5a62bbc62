"""ZBL against LAMMPS ``pair_style zbl`` and against finite differences of its own energy."""

import numpy as np
import pytest
from ase.build import bulk
from ase.calculators.calculator import Calculator, all_changes

from atomforge.lammps.session import LammpsSession
from atomforge.pairs import ZBL
from finite_differences import numeric_forces, numeric_stress


class _ZBLCalc(Calculator):
    implemented_properties = ["energy", "forces", "stress"]

    def __init__(self, zbl):
        super().__init__()
        self.zbl = zbl

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        e, f, s = self.zbl.evaluate(self.atoms)
        self.results = {"energy": e.sum(), "forces": f, "stress": s}


def _triclinic_pair(seed=0):
    """A compressed, sheared two-element cell with pairs across the whole switching region."""
    atoms = bulk("NaCl", "rocksalt", a=4.2) * (2, 2, 1)
    atoms.set_chemical_symbols(["W", "Be"] * (len(atoms) // 2))
    cell = atoms.cell.array @ np.array([[1.0, 0.05, 0.02], [0.0, 0.97, 0.04], [0.0, 0.0, 1.03]])
    atoms.set_cell(cell, scale_atoms=True)
    atoms.rattle(0.15, seed=seed)
    return atoms


def test_zbl_forces_and_stress_are_energy_derivatives():
    atoms = _triclinic_pair()
    atoms.calc = _ZBLCalc(ZBL(1.5, 3.5, {"W": 74.0, "Be": 4.0}))
    f = atoms.get_forces()
    np.testing.assert_allclose(f, numeric_forces(atoms, h=1e-5), atol=1e-6)
    np.testing.assert_allclose(atoms.get_stress(), numeric_stress(atoms, h=1e-6), atol=1e-7)
    assert np.abs(f).max() > 0.1


@pytest.mark.lammps
@pytest.mark.parametrize("inner,outer", [(1.5, 3.5), (2.0, 4.8)])
def test_zbl_equals_lammps(inner, outer):
    atoms = _triclinic_pair(seed=1)
    zbl = ZBL(inner, outer, {"W": 74.0, "Be": 4.0})
    energies, forces, stress = zbl.evaluate(atoms)
    species = ["W", "Be"]
    with LammpsSession(atoms, species) as lmp:
        lmp.commands([f"pair_style zbl {inner} {outer}", "pair_coeff 1 1 74 74",
                      "pair_coeff 1 2 74 4", "pair_coeff 2 2 4 4",
                      "compute pe all pe/atom", "thermo_style custom pe pxx pyy pzz pyz pxz pxy"])
        lmp.run0()
        pe_atom = np.array(lmp.lmp.numpy.extract_compute("pe", 1, 1))
        np.testing.assert_allclose(energies.sum(), lmp.energy(), rtol=1e-12, atol=1e-10)
        np.testing.assert_allclose(energies, pe_atom, atol=1e-10)
        np.testing.assert_allclose(forces, lmp.forces(), atol=1e-10)
        np.testing.assert_allclose(stress, lmp.stress(), atol=1e-12)
