"""The SO(3) power spectrum against LAMMPS ML-IAP ``descriptor so3``, its defining integral, and
identities (finite differences and invariances are in the conformance suite).

LAMMPS' ``compute mliap ... model linear`` sums descriptors and their gradients over the atoms of
each LAMMPS element. Giving every atom of a chunk its own element (same radius and weight as its
real one) turns those sums into per-atom values, per-(center, atom) gradient sums and per-center
virial rows. Agreement is checked to 1e-8 relative per entry, with an absolute floor of 1e-8 × the
largest |entry| of the array compared (as in ``test_snap``).
"""

from __future__ import annotations

import os
import tempfile

import numpy as np
import pytest
from ase.build import bulk
from scipy.integrate import quad
from scipy.special import spherical_in

from atomforge.descriptors import DESCRIPTORS, make_descriptor
from atomforge.descriptors._so3_kernels import bessel_i
from atomforge.descriptors.so3 import PowerSpectrumSO3, radial_table
from atomforge.errors import ConfigError
from atomforge.lammps.session import LammpsSession
from conformance import ELEMENTS, descriptor_checks

RTOL = 1e-8


def assert_close(ours, ref, what, rtol=RTOL):
    ours, ref = np.asarray(ours), np.asarray(ref)
    assert ours.shape == ref.shape, what
    err = np.abs(ours - ref) - rtol * np.abs(ref)
    worst = np.unravel_index(np.argmax(err), err.shape)
    assert err.max() <= rtol * np.abs(ref).max(), f"{what}: at {worst} ours {ours[worst]!r} LAMMPS {ref[worst]!r}"


# -- structures ---------------------------------------------------------------------------------
def perturbed(atoms, sigma, seed):
    atoms = atoms.copy()
    atoms.positions += np.random.default_rng(seed).normal(0.0, sigma, atoms.positions.shape)
    return atoms


def cu256():
    return perturbed(bulk("Cu", "fcc", a=3.615, cubic=True).repeat((4, 4, 4)), 0.05, 1)


def triclinic60():
    atoms = bulk("Cu", "fcc", a=3.615).repeat((3, 4, 5))          # primitive fcc: triclinic
    cell = atoms.cell.array @ np.array([[1.0, 0.03, -0.02], [0.01, 0.97, 0.04], [0.0, -0.05, 1.02]])
    atoms.set_cell(cell, scale_atoms=True)
    return perturbed(atoms, 0.08, 2)


def nial54():
    return perturbed(bulk("NiAl", "cesiumchloride", a=2.88).repeat((3, 3, 3)), 0.06, 3)


CASES = {
    "Cu256": (cu256, dict(elements=["Cu"], nmax=4, lmax=3, alpha=2.0, rcutfac=4.7)),
    "triclinic60": (triclinic60, dict(elements=["Cu"], nmax=4, lmax=4, alpha=1.3, rcutfac=4.4,
                                      weights=[29.0])),
    "NiAl54-2elem": (nial54, dict(elements=["Ni", "Al"], nmax=3, lmax=5, alpha=1.0, rcutfac=4.2,
                                  radii=[0.5, 0.45], weights=[28.0, 13.0])),
}


def lammps_rows(atoms, d: PowerSpectrumSO3, chunk: int = 128):
    """Per-atom values, gradient sums and virial rows from ``compute mliap`` (one element per atom).

    Returns values (n, nf); dense (n_centers i, n atoms j, 3, nf) = −Σ_images ∂p_i/∂r_j; virial
    (n, 6, nf) = −Σ_p ∂p_i/∂r_j ⊗ d_p in Voigt order xx yy zz zy zx yx (LAMMPS frame), and the
    rotation into the LAMMPS frame.
    """
    n, nf = len(atoms), d.n_features
    symbols = atoms.get_chemical_symbols()
    radius = dict(zip(d.elements, d.radii))
    weight = dict(zip(d.elements, d.weights))
    values = np.empty((n, nf))
    dense = np.empty((n, n, 3, nf))
    virial = np.empty((n, 6, nf))
    for start in range(0, n, chunk):
        own = list(range(start, min(n, start + chunk)))
        species = [symbols[a] for a in own] + list(d.elements)       # own types, then the rest
        with tempfile.NamedTemporaryFile("w", suffix=".mliap.descriptor", delete=False) as f:
            f.write(f"rcutfac {d.rcutfac!r}\nnmax {d.nmax}\nlmax {d.lmax}\nalpha {d.alpha!r}\n"
                    f"nelems {len(species)}\nelems {' '.join('X' for _ in species)}\n"
                    f"radelems {' '.join(repr(radius[s]) for s in species)}\n"
                    f"welems {' '.join(str(int(weight[s])) for s in species)}\n")
            path = f.name
        with LammpsSession(atoms, species) as s:
            s.commands([f"set atom {a + 1} type {t + 1}" for t, a in enumerate(own)])
            rest = {e: len(own) + 1 + k for k, e in enumerate(d.elements)}
            s.commands([f"set atom {a + 1} type {rest[symbols[a]]}" for a in range(n)
                        if not start <= a < start + chunk])
            s.commands([f"pair_style zero {2 * d.rcutfac * max(d.radii) + 0.01!r}", "pair_coeff * *",
                        "neighbor 0.0 bin",
                        f"compute m all mliap descriptor so3 {path} model linear"])
            s.run0()
            arr = np.array(s.lmp.numpy.extract_compute("m", 0, 2))
            rot = s.prism.rot_mat
        os.unlink(path)
        block = arr[:, : len(species) * (nf + 1)].reshape(len(arr), len(species), nf + 1)
        own_block = block[:, : len(own), 1:]                          # (rows, n_own, nf)
        values[own] = own_block[0]
        dense[own] = own_block[1:1 + 3 * n].reshape(n, 3, len(own), nf).transpose(2, 0, 1, 3)
        virial[own] = own_block[1 + 3 * n:].transpose(1, 0, 2)
    return values, dense, virial, rot


@pytest.fixture(scope="module", params=list(CASES))
def case(request):
    make, p = CASES[request.param]
    atoms = make()
    d = PowerSpectrumSO3(**p)
    return atoms, d, d.compute(atoms, gradients=True), lammps_rows(atoms, d)


@pytest.mark.lammps
@pytest.mark.slow
class TestAgainstLammps:
    def test_values(self, case):
        atoms, d, ours, (values, _, _, _) = case
        assert_close(ours.values, values, "per-atom values")

    def test_gradient_sums(self, case):
        # row (j, xyz), column (element of center i): −Σ_images ∂p_i/∂r_j, in the LAMMPS frame
        atoms, d, ours, (_, dense, _, rot) = case
        n = len(atoms)
        g = (ours.grad @ rot).transpose(0, 2, 1)                      # (n_pairs, 3, nf)
        summed = np.zeros((n, n, 3, d.n_features))
        np.add.at(summed, (ours.pairs[:, 0], ours.pairs[:, 1]), g)
        assert_close(-summed, dense, "gradient sums")

    def test_virial_rows(self, case):
        atoms, d, ours, (_, _, virial, rot) = case
        g = ours.grad @ rot                                           # (n_pairs, nf, 3)
        vec = ours.vectors @ rot
        voigt = [(0, 0), (1, 1), (2, 2), (2, 1), (2, 0), (1, 0)]
        rows = np.zeros((len(atoms), 6, d.n_features))
        for v, (a, b) in enumerate(voigt):
            np.add.at(rows[:, v], ours.pairs[:, 0], -g[:, :, a] * vec[:, b, None])
        assert_close(rows, virial, "virial rows")


# -- the definition -------------------------------------------------------------------------------
def test_values_equal_the_naive_reference():
    from naive.so3 import power_spectrum

    atoms = perturbed(bulk("NiAl", "cesiumchloride", a=2.88).repeat((2, 2, 1)), 0.1, 5)
    p = dict(elements=["Ni", "Al"], nmax=4, lmax=4, alpha=1.7, rcutfac=4.3, radii=[0.5, 0.45],
             weights=[1.0, 0.63])
    ours = PowerSpectrumSO3(**p).compute(atoms).values
    ref = power_spectrum(atoms, **p)
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-13 * np.abs(ref).max())


def test_bessel_functions_equal_scipy():
    out = np.empty(9)
    for z in np.concatenate([np.geomspace(1e-6, 1.0, 30), np.linspace(1.0, 150.0, 300)]):
        bessel_i(z, 8, out)
        np.testing.assert_allclose(out, spherical_in(np.arange(9), z), rtol=1e-14)


def test_radial_functions_equal_the_defining_integral():
    """R_nl(r) = 4π e^{−αr²} ∫_0^rc g_n(s) s² e^{−αs²} i_l(2αrs) ds, with g_n = Σ_a (S^{−1/2})_na φ_a
    built here from numerically integrated overlaps (Bartók et al. 2013, eqs. 23–25)."""
    nmax, lmax, rc, alpha = 4, 3, 4.7, 2.0
    a = np.arange(1, nmax + 1)
    norm = np.sqrt(2 * rc ** (2 * a + 7) / ((2 * a + 5) * (2 * a + 6) * (2 * a + 7)))

    def phi(s):
        return (rc - s) ** (a + 2) / norm

    def integral(f):
        return quad(f, 0, rc, epsabs=1e-14, epsrel=1e-12, limit=200)[0]

    overlap = np.array([[integral(lambda s: phi(s)[i] * phi(s)[j] * s * s) for j in range(nmax)]
                        for i in range(nmax)])
    ev, vec = np.linalg.eigh(overlap)
    w = vec @ np.diag(ev ** -0.5) @ vec.T
    h, table = radial_table(nmax, lmax, rc, alpha)
    scale = np.abs(table[..., 0]).max()
    for k in (int(1.7 / h), int(2.55 / h), int(3.9 / h)):              # grid points of the table
        r = k * h
        for n in range(nmax):
            for l in range(lmax + 1):
                exact = 4 * np.pi * np.exp(-alpha * r * r) * integral(
                    lambda s: (w @ phi(s))[n] * s * s * np.exp(-alpha * s * s) * spherical_in(l, 2 * alpha * r * s))
                assert abs(table[k, n, l, 0] - exact) <= 2e-11 * scale, (r, n, l)   # measured 6e-12


def test_radial_table_interpolates_within_tolerance_between_grid_points():
    from atomforge.descriptors._so3_kernels import interpolate_many, radial_table_kernel
    from atomforge.descriptors.so3 import radial_quadrature

    nmax, lmax, rc, alpha = 5, 4, 4.4, 1.3
    h, table = radial_table(nmax, lmax, rc, alpha)
    r = np.random.default_rng(5).uniform(0.5, rc, 500)
    exact = radial_table_kernel(r, alpha, *radial_quadrature(nmax, lmax, rc, alpha), lmax)
    f, df = interpolate_many(r, h, table)
    np.testing.assert_allclose(f, exact[..., 0], rtol=0, atol=1e-13 * np.abs(table[..., 0]).max())
    np.testing.assert_allclose(df, exact[..., 1], rtol=0, atol=1e-11 * np.abs(table[..., 1]).max())


@pytest.mark.parametrize("spec", [dict(nmax=1, lmax=0, alpha=0.8, rcutfac=3.9, radii=[0.5, 0.45],
                                       weights=[1.0, 0.63]),
                                  dict(nmax=3, lmax=6, alpha=3.0, rcutfac=4.2, radii=[0.6, 0.5])],
                         ids=["n1-l0-radii-weights", "n3-l6-large-radii"])
def test_conformance_of_other_settings(spec):
    descriptor_checks(PowerSpectrumSO3(elements=ELEMENTS, **spec))


def test_weights_scale_single_element_values_quadratically():
    atoms = nial54()[:20]
    atoms.set_chemical_symbols(["Cu"] * len(atoms))
    one = PowerSpectrumSO3(elements=["Cu"], nmax=3, lmax=2).compute(atoms).values
    w29 = PowerSpectrumSO3(elements=["Cu"], nmax=3, lmax=2, weights={"Cu": 29}).compute(atoms).values
    np.testing.assert_allclose(w29, 29 ** 2 * one, rtol=1e-13)


def test_spec_counts_and_errors():
    d = make_descriptor({"name": "so3", "elements": ["Ni", "Al"], "nmax": 3, "lmax": 2,
                         "radii": {"Al": 0.45}})
    assert DESCRIPTORS["so3"] is PowerSpectrumSO3 and d.radii == [0.5, 0.45]
    assert d.n_features == len(d.feature_names) == 18                   # 3·4/2 · 3
    assert d.feature_names[:4] == ("p[n1=1,n2=1,l=0]", "p[n1=1,n2=1,l=1]", "p[n1=1,n2=1,l=2]",
                                   "p[n1=2,n2=1,l=0]")
    assert d.cutoff == pytest.approx(4.7)
    assert PowerSpectrumSO3(elements=["Cu"], radii=[0.4]).cutoff == pytest.approx(0.8 * 4.7)
    cu = bulk("Cu")
    for bad, match in [(dict(nmax=0), "nmax"), (dict(lmax=-1), "lmax"), (dict(alpha=20.0), "overflow"),
                       (dict(radii=[0.5, 0.5]), "radii"), (dict(rcutfac=0.0), "rcutfac")]:
        with pytest.raises(ConfigError, match=match):
            PowerSpectrumSO3(elements=["Cu"], **bad).compute(cu)
    with pytest.raises(ConfigError, match="names elements"):
        PowerSpectrumSO3(elements=["Cu"], weights={"Ni": 2.0})
