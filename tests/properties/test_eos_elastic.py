"""EOS fit, Δ gauge and elastic averages against exact identities, and EOS against elastic constants."""

from __future__ import annotations

import numpy as np
import pytest
from ase.calculators.emt import EMT

from atomforge.properties.elastic import elastic_constants, strain_matrix, vrh
from atomforge.properties.eos import BirchMurnaghan, delta_gauge, energy_volume, fit_birch_murnaghan
from atomforge.properties.lattice import build_crystal, lattice_constants


def test_birch_murnaghan_fit_recovers_exact_parameters():
    true = BirchMurnaghan(v0=11.8, e0=-3.54, b=0.86, bp=5.1)
    v = np.linspace(0.94, 1.06, 9) * 12.0  # minimum off-centre on purpose
    fit = fit_birch_murnaghan(v, true.energy(v))
    assert (fit.v0, fit.e0, fit.b, fit.bp) == pytest.approx((true.v0, true.e0, true.b, true.bp), rel=1e-8)


def test_delta_gauge_zero_for_shifted_minima_and_matches_quadrature():
    a = BirchMurnaghan(11.8, -3.5, 0.86, 5.0)
    assert delta_gauge(a, BirchMurnaghan(11.8, -1.0, 0.86, 5.0)) == pytest.approx(0.0, abs=1e-12)
    b = BirchMurnaghan(12.0, -3.4, 0.80, 4.5)
    vm = 11.9
    v = np.linspace(0.94 * vm, 1.06 * vm, 200001)
    d = (a.energy(v) - a.e0) - (b.energy(v) - b.e0)
    ref = np.sqrt(np.mean(d**2)) * 1000
    assert delta_gauge(a, b) == pytest.approx(ref, rel=1e-4)
    assert delta_gauge(a, b) == pytest.approx(delta_gauge(b, a))


def test_vrh_isotropic_matrix_gives_lame_moduli():
    lam, mu = 80.0, 40.0
    c = np.zeros((6, 6))
    c[:3, :3] = lam
    c[np.arange(3), np.arange(3)] = lam + 2 * mu
    c[np.arange(3, 6), np.arange(3, 6)] = mu
    r = vrh(c)
    assert r["B_voigt"] == pytest.approx(lam + 2 * mu / 3) and r["B_reuss"] == pytest.approx(lam + 2 * mu / 3)
    assert r["G_voigt"] == pytest.approx(mu) and r["G_reuss"] == pytest.approx(mu)
    assert r["poisson"] == pytest.approx(lam / (2 * (lam + mu)))


def test_strain_matrix_uses_engineering_shear():
    e = strain_matrix([0, 0, 0, 0.02, 0, 0])
    assert e[1, 2] == e[2, 1] == pytest.approx(0.01)


def test_emt_bulk_modulus_from_eos_equals_elastic_constants():
    calc = EMT()
    lat = lattice_constants("Cu", "fcc", calc)
    assert abs(lat.atoms.get_volume() / 4 - lat.volume_per_atom) < 1e-12
    v, e = energy_volume(lat.atoms, calc, strain=0.01, n_points=9)
    bm = fit_birch_murnaghan(v, e)
    res = elastic_constants(lat.atoms, calc, strain=1e-3)
    c = res.cubic
    assert np.allclose(res.c, res.c.T, atol=0.05)
    assert bm.b_gpa == pytest.approx((c["C11"] + 2 * c["C12"]) / 3, rel=5e-3)
    assert bm.v0 == pytest.approx(lat.volume_per_atom, rel=1e-5)
    # zero pressure at the relaxed lattice constant: E is minimal there
    e_minus = build_crystal("Cu", "fcc", lat.a * 0.999)
    e_minus.calc = calc
    assert e_minus.get_potential_energy() / 4 > lat.energy_per_atom


def test_birch_murnaghan_fit_matches_ase_eos_on_emt_data():
    from ase.eos import EquationOfState

    lat = lattice_constants("Cu", "fcc", EMT())
    v, e = energy_volume(lat.atoms, EMT(), strain=0.06, n_points=11)
    ours = fit_birch_murnaghan(v, e)
    ref = EquationOfState(v, e, eos="birchmurnaghan")
    ref.fit()
    e0, b, bp, v0 = ref.eos_parameters
    assert (ours.v0, ours.e0, ours.b, ours.bp) == pytest.approx((v0, e0, b, bp), rel=1e-6)
