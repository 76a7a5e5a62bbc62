"""SNAP potentials against LAMMPS ``pair_style snap`` (+ ``zbl`` in ``hybrid/overlay``)."""

import os

import numpy as np
import pytest
from ase.build import bulk, fcc111

import atomforge
from atomforge.descriptors.snap import Bispectrum
from atomforge.lammps.session import LammpsSession, lammps_potentials_dir
from atomforge.lammps.export import export_lammps
from atomforge.models import DescriptorPotential, LinearModel, QuadraticModel
from atomforge.pairs import ZBL

pytestmark = pytest.mark.lammps


def lammps_results(atoms, species, pair_lines, folder=None):
    """Energy, per-atom energies, forces, stress (ASE units) and virial (bar·Å³) of LAMMPS."""
    cwd = os.getcwd()
    if folder is not None:
        os.chdir(folder)  # pair_coeff file names are relative
    try:
        with LammpsSession(atoms, species) as lmp:
            lmp.commands(list(pair_lines) + ["compute pe all pe/atom",
                                             "thermo_style custom pe pxx pyy pzz pyz pxz pxy"])
            lmp.run0()
            pe = np.array(lmp.lmp.numpy.extract_compute("pe", 1, 1)[: len(atoms)])
            stress = lmp.stress() if atoms.pbc.all() else None
            return lmp.energy(), pe, lmp.forces(), stress
    finally:
        os.chdir(cwd)


def assert_matches_lammps(potential, atoms, folder, pair_lines):
    ev = potential.evaluate(atoms)
    e, pe, f, s = lammps_results(atoms, potential.species, pair_lines, folder)
    bar = 1 / 1602176.5  # LAMMPS metal units: eV/Å³ per bar
    np.testing.assert_allclose(ev.energy, e, rtol=0, atol=1e-8)
    np.testing.assert_allclose(ev.energies, pe, rtol=0, atol=1e-8)
    np.testing.assert_allclose(ev.forces, f, rtol=0, atol=1e-8)
    if s is not None:  # the virial σ·V in bar·Å³ to 1e-8, or 1e-13 of its largest component
        virial, virial_ref = ev.stress * atoms.get_volume() / bar, s * atoms.get_volume() / bar
        np.testing.assert_allclose(virial, virial_ref, rtol=0,
                                   atol=max(1e-8, 1e-13 * np.abs(virial_ref).max()))


def _structures():
    tri = bulk("Ni", "fcc", a=3.52) * (2, 2, 2)
    tri.set_cell(tri.cell.array @ np.array([[1.0, 0.04, -0.03], [0.0, 1.02, 0.05], [0.0, 0.0, 0.98]]),
                 scale_atoms=True)
    tri.symbols[[1, 4, 6]] = "Mo"
    tri.rattle(0.08, seed=3)
    surf = fcc111("Ni", size=(2, 2, 3), vacuum=6.0, a=3.52, periodic=True)
    surf.symbols[[0, 5]] = "Mo"
    surf.rattle(0.05, seed=4)
    return {"triclinic": tri, "surface": surf}


def _random_potential(quadratic, zbl, seed=0):
    rng = np.random.default_rng(seed)
    d = Bispectrum(elements=["Ni", "Mo"], twojmax=4, rcutfac=2.3, radii=[0.5, 0.55],
                   weights=[1.0, 0.8], rfac0=0.99363, rmin0=0.0, bzeroflag=0)
    model = (QuadraticModel if quadratic else LinearModel)(species=["Ni", "Mo"])
    nt = model.n_terms(d.n_features)
    coef = np.column_stack([[-4.5, -10.1], 0.002 * rng.normal(size=(2, nt))])
    model.set_coefficients(coef)
    return DescriptorPotential(d, model, ZBL(1.5, 2.4, {"Ni": 28.0, "Mo": 42.0}) if zbl else None)


@pytest.mark.parametrize("structure", ["triclinic", "surface"])
@pytest.mark.parametrize("quadratic,zbl", [(False, False), (True, True)], ids=["snap", "qsnap+zbl"])
def test_exported_potential_equals_lammps(tmp_path, structure, quadratic, zbl):
    pot = _random_potential(quadratic, zbl)
    written = export_lammps(pot, tmp_path, "NiMo")
    again = atomforge.load(written["files"][-1])  # round trip through the files (the .snap include)
    np.testing.assert_array_equal(again.model.coef_, pot.model.coef_)
    assert_matches_lammps(pot, _structures()[structure], tmp_path, written["pair_lines"])


@pytest.mark.shared_data
def test_published_mo_models_equal_lammps(shared_data):
    atoms = bulk("Mo", "bcc", a=3.16, cubic=True) * (2, 2, 2)
    atoms.set_cell(atoms.cell.array @ np.array([[1.0, 0.03, 0.0], [0.0, 0.99, 0.02], [0.01, 0.0, 1.01]]),
                   scale_atoms=True)
    atoms.rattle(0.1, seed=5)
    for kind, name in [("snap", "Mo_Zuo_JPCA2020"), ("qsnap", "Mo_Zuo_JPCA2020.quadratic")]:
        pot = atomforge.load(shared_data / "mlearn" / "Mo" / "published_models" / kind / "SNAPotential.snapparam")
        assert pot.model.quadratic == (kind == "qsnap")
        lines = open(os.path.join(lammps_potentials_dir(), name + ".snap")).read().splitlines()
        assert_matches_lammps(pot, atoms, lammps_potentials_dir(), [ln for ln in lines if ln.startswith("pair_")])


def test_published_ta06a_with_zbl_equals_lammps():
    atoms = bulk("Ta", "bcc", a=3.30, cubic=True) * (2, 2, 2)
    atoms.rattle(0.25, seed=6)  # close pairs reach into the ZBL switching region
    pot = atomforge.load(os.path.join(lammps_potentials_dir(), "Ta06A.snap"))
    assert pot.pair is not None
    assert_matches_lammps(pot, atoms, lammps_potentials_dir(), ["include Ta06A.snap"])
