"""ML-IAP export: potentials with random coefficients run in LAMMPS ``pair_style mliap`` give the
energies, forces and stress of ``potential.evaluate`` to 1e-8 (relative to the largest entry)."""

from __future__ import annotations

import numpy as np
import pytest
from ase.build import bulk, fcc111

from atomforge.descriptors.snap import Bispectrum
from atomforge.descriptors.so3 import PowerSpectrumSO3
from atomforge.errors import ConfigError
from atomforge.lammps.export import export_lammps
from atomforge.lammps.mliap import write_mliap
from atomforge.lammps.session import LammpsSession
from atomforge.models import DescriptorPotential, LinearModel, QuadraticModel
from atomforge.pairs import ZBL

SPECIES = ["Ni", "Mo"]


def triclinic():
    atoms = bulk("Ni", "fcc", a=3.52) * (2, 2, 2)
    atoms.set_cell(atoms.cell.array @ np.array([[1.0, 0.04, -0.03], [0.0, 1.02, 0.05], [0.0, 0.0, 0.98]]),
                   scale_atoms=True)
    atoms.symbols[[1, 4, 6]] = "Mo"
    atoms.rattle(0.08, seed=3)
    return atoms


def surface():
    atoms = fcc111("Ni", size=(2, 2, 3), vacuum=6.0, a=3.52, periodic=True)
    atoms.symbols[[0, 5]] = "Mo"
    atoms.rattle(0.05, seed=4)
    return atoms


def random_potential(descriptor, quadratic: bool, zbl=None, seed=0):
    """Coefficients scaled so that every term contributes O(0.1 eV) on the triclinic cell."""
    rng = np.random.default_rng(seed)
    scale = np.abs(descriptor.compute(triclinic()).values).max(axis=0)      # (n_features,)
    n = descriptor.n_features
    model = (QuadraticModel if quadratic else LinearModel)(species=SPECIES)
    rows = []
    for _ in SPECIES:
        row = [rng.normal(), *(0.1 * rng.normal(size=n) / scale)]
        if quadratic:
            k, m = np.triu_indices(n)
            row += list(0.1 * rng.normal(size=len(k)) / (scale[k] * scale[m]))
        rows.append(row)
    return DescriptorPotential(descriptor, model.set_coefficients(np.array(rows)), zbl)


def lammps_results(atoms, pair_lines):
    with LammpsSession(atoms, SPECIES) as s:
        s.commands(list(pair_lines) + ["compute pe all pe/atom",
                                       "thermo_style custom pe pxx pyy pzz pyz pxz pxy"])
        s.run0()
        pe = np.array(s.lmp.numpy.extract_compute("pe", 1, 1)[: len(atoms)])
        return pe, s.forces(), s.stress() if atoms.pbc.all() else None


def assert_close(ours, ref, what, rtol=1e-8):
    ours, ref = np.asarray(ours), np.asarray(ref)
    err = np.abs(ours - ref).max()
    scale = np.abs(ref).max()
    assert err <= rtol * max(1.0, scale), f"{what}: max |diff| {err:.3g}, scale {scale:.3g}"



def assert_lammps_equals_atomforge(potential, pair_lines, case):
    """Per-atom energies, forces and stress of LAMMPS with ``pair_lines`` equal ``potential.evaluate``
    on the triclinic cell and the surface slab; returns atomforge's evaluations."""
    evaluations = []
    for atoms in (triclinic(), surface()):
        ev = potential.evaluate(atoms)
        pe, forces, stress = lammps_results(atoms, pair_lines)
        assert_close(ev.energies, pe, f"{case} per-atom energies")
        assert_close(ev.forces, forces, f"{case} forces")
        if stress is not None:
            assert_close(ev.stress, stress, f"{case} stress")
        evaluations.append(ev)
    return evaluations

SO3 = PowerSpectrumSO3(elements=SPECIES, nmax=3, lmax=3, alpha=1.6, rcutfac=4.6, radii=[0.5, 0.55],
                       weights=[28.0, 42.0])
SNA = Bispectrum(elements=SPECIES, twojmax=4, rcutfac=4.6, radii=[0.5, 0.55], weights=[1.0, 0.7])
CASES = {
    "so3-linear": lambda: random_potential(SO3, False, seed=1),
    "so3-quadratic": lambda: random_potential(SO3, True, seed=2),
    "so3-quadratic-zbl": lambda: random_potential(SO3, True, ZBL.for_species(1.2, 2.1, SPECIES), seed=3),
    "sna-linear": lambda: random_potential(SNA, False, seed=4),
    "sna-quadratic-bzero": lambda: random_potential(Bispectrum(**{**SNA.to_dict(), "bzeroflag": 1}),
                                                    True, seed=5),
}


@pytest.mark.lammps
@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_exported_potential_equals_atomforge_in_lammps(case, tmp_path):
    potential = CASES[case]()
    written = write_mliap(potential, tmp_path, "pot")
    assert [p.name for p in written["files"]] == ["pot.mliap.model", "pot.mliap.descriptor", "pot.mliap"]
    assert_lammps_equals_atomforge(potential, written["pair_lines"], case)


def test_files_hold_the_coefficients_in_model_order(tmp_path):
    potential = random_potential(SO3, True, ZBL.for_species(1.2, 2.1, SPECIES), seed=6)
    written = export_lammps(potential, tmp_path, "p")  # the exporter registry picks ML-IAP for so3
    lines = [s for s in written["files"][0].read_text().splitlines() if not s.startswith("#")]
    assert lines[0] == f"2 {potential.model.coef_.shape[1]}"
    np.testing.assert_array_equal(np.array(lines[1:], float), potential.model.coef_.ravel())
    desc = dict(s.split(maxsplit=1) for s in written["files"][1].read_text().splitlines()
                if s and not s.startswith("#"))
    assert desc == {"rcutfac": "4.6", "nmax": "3", "lmax": "3", "alpha": "1.6", "nelems": "2",
                    "elems": "Ni Mo", "radelems": "0.5 0.55", "welems": "28 42"}
    assert written["files"][2].read_text().splitlines()[1:] == [
        "pair_style hybrid/overlay zbl 1.2 2.1 mliap model quadratic p.mliap.model "
        "descriptor so3 p.mliap.descriptor",
        "pair_coeff 1 1 zbl 28.0 28.0", "pair_coeff 1 2 zbl 28.0 42.0", "pair_coeff 2 2 zbl 42.0 42.0",
        "pair_coeff * * mliap Ni Mo"]


def test_what_lammps_cannot_hold_is_refused(tmp_path):
    fractional = PowerSpectrumSO3(elements=SPECIES, nmax=2, lmax=1, weights=[1.0, 0.63])
    with pytest.raises(ConfigError, match="integers"):
        write_mliap(random_potential(fractional, False), tmp_path)
    with pytest.raises(ConfigError, match="quadratic model"):
        appended = Bispectrum(elements=SPECIES, twojmax=2, quadratic=True)
        write_mliap(random_potential(appended, False), tmp_path)
    with pytest.raises(ConfigError, match="not among the descriptor elements"):
        pot = random_potential(SO3, False)
        pot.model.species = ["Ni", "Cu"]
        write_mliap(pot, tmp_path)
    assert not list(tmp_path.iterdir())
