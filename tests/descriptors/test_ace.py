"""The ACE descriptor against LAMMPS ``compute pace`` (reference row), python-ace, and definitions.

- Row 0 of ``ace_reference/latte_cell_0_chi_i.npy`` (per-element sums of the 91 descriptors of
  each of H, N, O, written by LAMMPS ``compute pace`` from ``coupling_coefficients.yace``).
- python-ace (``pip install --pre python-ace==0.4.0rc1``): a basis built with its own tools
  (``create_multispecies_basis_config`` → B basis → C-tilde basis → ``.yace``), its
  ``ACECalculator`` projections and ``forces_bfuncs`` (= −Σ_i ∂B_i/∂r_j, one column block per
  center element) on a triclinic cell and a
  two-element cell with per-pair cutoffs, an inner cutoff and random radial coefficients.
  python-ace evaluates radial functions from cubic splines on a grid of ``deltaSplineBins``; the
  files here use 1e-4 Å, and no pair lies where ML-PACE's dcut taper (0.01 Å wide) would need a
  finer grid.
- The radial base and spherical harmonics against their textbook definitions (scipy).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk
from ase.io import read
from scipy.special import sph_harm_y

from atomforge.descriptors import ACE, make_descriptor
from atomforge.descriptors.ace._kernels import radial_base, spherical_harmonics
from atomforge.descriptors.ace.tables import ylm_norms
from atomforge.errors import ConfigError, PotentialFileError
from atomforge.lammps.yace import read_ace_descriptor
from ace_helpers import PYACE_CASES, nial16, pyace_yace
from conformance import descriptor_checks
from finite_differences import numeric_position_derivative


def assert_close(ours, ref, rtol, what):
    """Each entry within rtol of the reference, with an absolute floor of rtol × max |reference|."""
    ours, ref = np.asarray(ours), np.asarray(ref)
    assert ours.shape == ref.shape, what
    err = np.abs(ours - ref) - rtol * np.abs(ref)
    worst = np.unravel_index(np.argmax(err), err.shape)
    assert err.max() <= rtol * np.abs(ref).max(), f"{what}: at {worst} ours {ours[worst]!r} ref {ref[worst]!r}"


# -- LAMMPS compute pace reference ----------------------------------------------------------------
@pytest.mark.shared_data
def test_reference_row_of_compute_pace(shared_data):
    folder = shared_data / "ace_reference"
    desc = read_ace_descriptor(folder / "coupling_coefficients.yace")
    atoms = read(folder / "latte_cell_0.xyz")
    assert desc.elements == ["H", "N", "O"] and desc.n_features == 91
    values = desc.compute(atoms).values
    symbols = np.array(atoms.get_chemical_symbols())
    sums = np.concatenate([values[symbols == s].sum(axis=0) for s in desc.elements])
    ref = np.load(folder / "latte_cell_0_chi_i.npy")[0, :273]
    np.testing.assert_allclose(sums, ref, rtol=1e-8, atol=0)


# -- python-ace ------------------------------------------------------------------------------------
def pyace_projections(path, atoms):
    """python-ace's projections (n_atoms, n_funcs) and forces_bfuncs (n_atoms, n_funcs, 3)."""
    from pyace.atomicenvironment import aseatoms_to_atomicenvironment
    from pyace.basis import ACECTildeBasisSet
    from pyace.calculator import ACECalculator
    from pyace.evaluator import ACECTildeEvaluator

    basis = ACECTildeBasisSet(str(path))
    evaluator = ACECTildeEvaluator(basis)
    calc = ACECalculator(evaluator)
    env = aseatoms_to_atomicenvironment(atoms, cutoff=basis.cutoffmax, elements_mapper_dict=basis.elements_to_index_map)
    calc.compute(env, True, True)
    return np.array(calc.projections), np.array(calc.forces_bfuncs)


@pytest.mark.parametrize("case", list(PYACE_CASES))
def test_python_ace_projections_and_gradients(case, tmp_path):
    pytest.importorskip("pyace", reason="python-ace not installed (pip install --pre python-ace==0.4.0rc1)")
    make, spec = PYACE_CASES[case]
    atoms = make()
    path = pyace_yace(tmp_path, **spec)
    desc = read_ace_descriptor(path)
    out = desc.compute(atoms, gradients=True)
    r = np.linalg.norm(out.vectors, axis=1)
    types = np.array([desc.elements.index(s) for s in atoms.get_chemical_symbols()])
    rc = np.asarray(desc.rcut)[types[out.pairs[:, 0]], types[out.pairs[:, 1]]]
    assert not np.any((r > rc - 0.012) & (r < rc)), "a pair in the dcut taper: choose another cell"
    if spec.get("r_in"):
        assert np.any((r > spec["r_in"] - spec["delta_in"]) & (r < spec["r_in"])), "no pair in the inner taper"
    proj, forces_b = pyace_projections(path, atoms)
    assert_close(out.values, proj, 1e-8, "values")
    # forces_bfuncs[j, e*n + k] = −Σ_{i of element e} ∂B_ik/∂r_j (one column block per element)
    n = desc.n_features
    total = np.zeros((len(atoms), len(desc.elements), n, 3))
    np.add.at(total, (out.pairs[:, 1], types[out.pairs[:, 0]]), out.grad)
    assert_close(total.reshape(len(atoms), -1, 3), -forces_b, 1e-8, "gradients")


# -- definitions -----------------------------------------------------------------------------------
def chebexpcos(r, rc, lam, nbase):
    """g_n(r) of the reference README, n = 1..nbase (no taper, no inner cutoff)."""
    x = 1 - 2 * (np.exp(-lam * r / rc) - np.exp(-lam)) / (1 - np.exp(-lam))
    env = 0.5 * (1 + np.cos(np.pi * r / rc))
    return np.array([env] + [0.5 * (1 - np.polynomial.chebyshev.chebval(x, [0] * k + [1])) * env
                             for k in range(1, nbase)])


def test_radial_base_definition_and_derivative():
    g, dg, gp, gm, scratch = (np.empty(7) for _ in range(5))
    for r in (0.4, 1.7, 3.3, 4.95):
        radial_base(r, 5.0, 0.25, 0.0, 0.0, 0.0, g, dg)
        np.testing.assert_allclose(g, chebexpcos(r, 5.0, 0.25, 7), rtol=1e-13, atol=1e-15)
    for r in (1.05, 1.9, 4.2, 4.93):  # with an inner taper (1.0, 1.2) and a dcut taper (4.9, 5.0)
        args = (5.0, 3.3, 0.1, 1.2, 0.2)
        radial_base(r, *args, g, dg)
        radial_base(r + 1e-6, *args, gp, scratch)
        radial_base(r - 1e-6, *args, gm, scratch)
        np.testing.assert_allclose(dg, (gp - gm) / 2e-6, rtol=1e-6, atol=1e-8)
    radial_base(0.99, *args, g, dg)
    assert not g.any() and not dg.any()
    radial_base(1.2, *args, g, dg)
    np.testing.assert_allclose(g, chebexpcos(1.2, 5.0, 3.3, 7), rtol=1e-13)


def test_spherical_harmonics_are_scaled_scipy_harmonics():
    lmax = 6
    norm = ylm_norms(lmax)
    H = (lmax + 1) * (lmax + 2) // 2
    Y, dY = np.empty(H, complex), np.empty((H, 3), complex)
    for u in np.random.default_rng(0).normal(size=(5, 3)):
        u /= np.linalg.norm(u)
        theta, phi = np.arccos(u[2]), np.arctan2(u[1], u[0])
        spherical_harmonics(u, lmax, norm, Y, dY)
        ref = [np.sqrt(4 * np.pi) * sph_harm_y(l, m, theta, phi) for l in range(lmax + 1) for m in range(l + 1)]
        np.testing.assert_allclose(Y, ref, rtol=1e-12, atol=1e-12)
    assert Y[0] == 1.0


# -- conformance of a variant, spec round trips, errors --------------------------------------------
def test_variant_with_every_option_passes_the_conformance_checks():
    rng = np.random.default_rng(3)
    desc = ACE(elements=["Ni", "Al"], nmax=[3, 2, 1, 1, 1], lmax=[0, 2, 1, 1, 1], lmin=[0, 1, 0, 0, 0],
               rcut=[[4.4, 4.1], [4.1, 3.9]], radial_lambda=[[2.0, 3.0], [3.0, 1.0]],
               dcut=0.2, r_in=[[1.8, 1.6], [1.6, 1.7]], dr_in=0.3,
               radcoefficients=rng.normal(size=(2, 2, 2, 3, 3)).tolist())
    assert {len(n.split(",")) for n in desc.feature_names} == {1, 2, 3, 4, 5}
    descriptor_checks(desc)


@pytest.mark.shared_data
def test_yace_basis_round_trips_through_its_spec(shared_data):
    desc = read_ace_descriptor(shared_data / "ace_reference" / "coupling_coefficients.yace")
    again = make_descriptor({"name": "ace", **json.loads(json.dumps(desc.to_dict()))})
    atoms = nial16()
    atoms.symbols = ["H", "O"] * 8
    np.testing.assert_array_equal(again.compute(atoms).values, desc.compute(atoms).values)


def test_bad_settings_name_the_hyperparameter(tmp_path):
    with pytest.raises(ConfigError, match="lmax"):
        ACE(elements=["Cu"], nmax=[4, 2], lmax=[1, 2]).n_features
    with pytest.raises(ConfigError, match="one entry per rank"):
        ACE(elements=["Cu"], nmax=[4, 2], lmax=[0, 2, 2]).n_features
    with pytest.raises(ConfigError, match="rcut"):
        ACE(elements=["Cu", "Ni"], rcut=[[5.0, 4.0]]).compute(bulk("Cu"))
    bad = tmp_path / "bad.yace"
    bad.write_text("elements: [Cu]\nbonds:\n  [0, 0]: {radbasename: SBessel, radparameters: [1], "
                   "radcoefficients: [[[1]]], rcut: 5}\nfunctions:\n  0: []\n")
    with pytest.raises(PotentialFileError, match="SBessel"):
        read_ace_descriptor(bad)


def test_gradient_of_a_lone_pair_equals_finite_differences():
    desc = ACE(elements=["Cu"], nmax=[4, 3, 2], lmax=[0, 3, 2], rcut=4.0, dcut=0.3)
    atoms = Atoms("Cu2", positions=[[0, 0, 0], [1.3, 2.1, 2.7]])
    out = desc.compute(atoms, gradients=True)
    numeric = numeric_position_derivative(lambda p: desc.compute(Atoms("Cu2", positions=p)).values,
                                          atoms.positions)  # (n, 3, n_atoms, n_features)
    dense = np.zeros((2, desc.n_features, 2, 3))
    np.add.at(dense, (out.pairs[:, 0], slice(None), out.pairs[:, 1]), out.grad)
    np.testing.assert_allclose(dense, numeric.transpose(2, 3, 0, 1), rtol=1e-6, atol=1e-9)
