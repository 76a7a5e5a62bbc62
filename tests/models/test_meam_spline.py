"""SplineMEAM against LAMMPS ``pair_style meam/spline``, finite differences, and invariances."""

from __future__ import annotations

import numpy as np
import pytest
from finite_differences import numeric_forces, numeric_stress
from smeam_helpers import PUBLISHED, alloy, published_path, structures, two_element_potential

import atomforge
from atomforge.errors import ConfigError
from atomforge.lammps.meam_spline import write_lammps_meam_spline

TOL = 1e-9


def lammps_reference(atoms, path, species):
    from atomforge.lammps.session import LammpsSession

    with LammpsSession(atoms, species) as lmp:
        lmp.commands(["pair_style meam/spline", f"pair_coeff * * {path} {' '.join(species)}",
                      "thermo_style custom pe pxx"])
        lmp.run0()
        return lmp.energy(), lmp.forces(), lmp.stress()


def assert_matches_lammps(pot, atoms, path, species):
    e, f, s = lammps_reference(atoms, path, species)
    ev = pot.evaluate(atoms)
    scale = max(1.0, abs(e))
    assert abs(ev.energy - e) < TOL * scale
    np.testing.assert_allclose(ev.forces, f, rtol=0, atol=TOL)
    np.testing.assert_allclose(ev.stress, s, rtol=0, atol=TOL)


def _files():
    from atomforge.lammps.session import lammps_available, lammps_potentials_dir

    out = [pytest.param(published_path(el), el, marks=pytest.mark.shared_data, id=el) for el in PUBLISHED]
    if lammps_available():
        for name, el in [("Si_1.meam.spline", "Si"), ("Ti.meam.spline", "Ti")]:
            out.append(pytest.param(f"{lammps_potentials_dir()}/{name}", el, id=name))
    return out


@pytest.mark.lammps
@pytest.mark.parametrize("kind", ["bulk", "surface", "triclinic"])
@pytest.mark.parametrize("path,element", _files())
def test_single_element_files_match_lammps(path, element, kind):
    pot = atomforge.load(path)
    atoms = structures(element)[kind]
    assert_matches_lammps(pot, atoms, path, [element])


@pytest.mark.lammps
@pytest.mark.shared_data
@pytest.mark.parametrize("variant", ["pair", "eam", "ffg", "smeam"])
@pytest.mark.parametrize("kind", ["bulk", "surface", "triclinic"])
def test_two_element_potential_matches_lammps(tmp_path, variant, kind):
    pot = two_element_potential(variant)
    path = write_lammps_meam_spline(pot, tmp_path / "NiCu.meam.spline")
    atoms = alloy(structures("Ni")[kind])
    assert_matches_lammps(pot, atoms, str(path), ["Ni", "Cu"])


@pytest.mark.shared_data
@pytest.mark.parametrize("variant", ["pair", "eam", "ffg", "smeam"])
def test_forces_and_stress_equal_finite_differences(variant):
    pot = two_element_potential(variant)
    atoms = alloy(structures("Ni", seed=3)["triclinic"][:12], seed=3)  # 12 atoms, 27-atom cell
    atoms.calc = pot.calculator()
    np.testing.assert_allclose(atoms.get_forces(), numeric_forces(atoms, h=1e-5), atol=1e-7)
    np.testing.assert_allclose(atoms.get_stress(), numeric_stress(atoms, h=1e-6), atol=1e-7)


@pytest.mark.shared_data
def test_energy_invariant_under_rotation_and_permutation():
    pot = two_element_potential()
    atoms = alloy(structures("Cu", seed=5)["triclinic"], seed=5)
    e0 = pot.evaluate(atoms)
    rot = atoms.copy()
    rot.rotate(37.0, (1, 2, 3), rotate_cell=True)
    perm = atoms[np.random.default_rng(0).permutation(len(atoms))]
    assert abs(pot.evaluate(rot).energy - e0.energy) < 1e-9
    assert abs(pot.evaluate(perm).energy - e0.energy) < 1e-9
    assert abs(pot.evaluate(atoms.repeat((2, 1, 1))).energy - 2 * e0.energy) < 1e-9


@pytest.mark.shared_data
def test_isolated_atom_has_zero_energy():
    pot = atomforge.load(published_path("Ni"))
    from ase import Atoms

    ev = pot.evaluate(Atoms("Ni", positions=[[0, 0, 0]], cell=[10, 10, 10], pbc=True))
    assert ev.energy == 0.0


@pytest.mark.shared_data
def test_unknown_variant_is_rejected():
    with pytest.raises(ConfigError, match="known"):
        two_element_potential().__class__(["Ni"], {}, "meam2")
