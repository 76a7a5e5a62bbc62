"""The SO(4) bispectrum against LAMMPS (sna/atom, snad/atom, snav/atom, compute snap dgradflag 1),
finite differences, invariances and products.

Agreement with LAMMPS is checked to 1e-10 relative per entry, with an absolute floor of
1e-10 × the largest |entry| of the array compared (near-zero entries, e.g. gradients of atoms far
apart, are then held to 1e-10 of the array's scale rather than of their own tiny value).
"""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk

from atomforge.descriptors import DESCRIPTORS, Bispectrum, Descriptor, make_descriptor
from atomforge.errors import ConfigError, DataError
from atomforge.lammps.session import LammpsSession
from finite_differences import numeric_position_derivative

RTOL = 1e-10


def assert_close(ours, ref, what):
    ours, ref = np.asarray(ours), np.asarray(ref)
    assert ours.shape == ref.shape, what
    atol = RTOL * max(np.abs(ref).max(), 1e-300)
    err = np.abs(ours - ref) - RTOL * np.abs(ref)
    worst = np.unravel_index(np.argmax(err), err.shape)
    assert err.max() <= atol, f"{what}: at {worst} ours {ours[worst]!r} LAMMPS {ref[worst]!r}"


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


def tiny2():
    return perturbed(bulk("Ta", "bcc", a=3.316, cubic=True), 0.1, 4)   # 3.3 Å cell, 4.7 Å cutoff


CASES = {
    "Cu256-2J6": (cu256, dict(elements=["Cu"], twojmax=6, rcutfac=4.7, radii=[0.5], weights=[1.0])),
    "Cu256-2J8": (cu256, dict(elements=["Cu"], twojmax=8, rcutfac=4.7, radii=[0.5], weights=[1.0])),
    "triclinic60": (triclinic60, dict(elements=["Cu"], twojmax=6, rcutfac=4.5, radii=[0.5],
                                      weights=[1.0], rfac0=0.98, rmin0=0.3)),
    "NiAl-2elem": (nial54, dict(elements=["Ni", "Al"], twojmax=6, rcutfac=4.2, radii=[0.5, 0.42],
                                weights=[1.0, 0.63])),
    "NiAl-2J3-noswitch": (nial54, dict(elements=["Ni", "Al"], twojmax=3, rcutfac=4.2,
                                       radii=[0.5, 0.42], weights=[1.0, 0.63], switchflag=0,
                                       bzeroflag=1)),
    "Ta2-small-cell": (tiny2, dict(elements=["Ta"], twojmax=4, rcutfac=4.7, radii=[0.5],
                                   weights=[1.0], bzeroflag=1)),
}


def lammps_reference(atoms, p, quadratic=False):
    """sna/atom, snad/atom, snav/atom, compute snap dgradflag rows, and LAMMPS x, from one run 0."""
    elems = p["elements"]
    radii = " ".join(repr(r) for r in p["radii"])
    weights = " ".join(repr(w) for w in p["weights"])
    args = (f"{p['rcutfac']!r} {p.get('rfac0', 0.99363)!r} {p['twojmax']} {radii} {weights} "
            f"rmin0 {p.get('rmin0', 0.0)!r} bzeroflag {p.get('bzeroflag', 0)} "
            f"switchflag {p.get('switchflag', 1)}"
            f" quadraticflag {int(quadratic)}")
    with LammpsSession(atoms, elems) as s:
        s.commands(["pair_style zero " + repr(2 * p["rcutfac"] * max(p["radii"]) + 0.1),
                    "pair_coeff * *",
                    f"compute b all sna/atom {args}", f"compute db all snad/atom {args}",
                    f"compute vb all snav/atom {args}"])
        if not quadratic:                # LAMMPS has no dgradflag rows for quadratic SNAP
            s.command(f"compute sn all snap {args} bikflag 1 dgradflag 1")
        s.run0()
        ext = s.lmp.numpy.extract_compute
        ids = np.array(s.lmp.numpy.extract_atom("id")[: len(atoms)]) - 1
        out = {k: np.empty((len(atoms),) + np.shape(ext(c, 1, 2))[1:])
               for k, c in (("sna", "b"), ("snad", "db"), ("snav", "vb"))}
        for k, c in (("sna", "b"), ("snad", "db"), ("snav", "vb")):
            out[k][ids] = np.array(ext(c, 1, 2))[: len(atoms)]
        if not quadratic:
            out["snap"] = np.array(ext("sn", 0, 2))
        x = np.empty((len(atoms), 3))
        x[ids] = np.array(s.lmp.numpy.extract_atom("x")[: len(atoms)])
        out["x"] = x
        out["rot"] = s.prism.rot_mat
    return out


@pytest.fixture(scope="module", params=list(CASES))
def case(request):
    make, p = CASES[request.param]
    atoms = make()
    p = {"bzeroflag": 0, **p}
    ours = Bispectrum(**p).compute(atoms, gradients=True)
    return atoms, p, ours, lammps_reference(atoms, p)


@pytest.mark.lammps
@pytest.mark.slow
class TestAgainstLammps:
    def test_values_equal_sna_atom(self, case):
        atoms, p, ours, ref = case
        assert_close(ours.values, ref["sna"], "sna/atom")

    def test_gradients_equal_snad_atom(self, case):
        # snad/atom of atom a, block of center type t: -Σ_{rows (i, a), type(i) = t} ∂B_i/∂r_a
        atoms, p, ours, ref = case
        n, nb, nt = len(atoms), ours.n_features, len(p["elements"])
        ctype = np.array([p["elements"].index(s) for s in atoms.get_chemical_symbols()])
        g = ours.grad @ ref["rot"]                                # into the LAMMPS frame
        snad_l = np.zeros((n, nt, 3, nb))
        np.add.at(snad_l, (ours.pairs[:, 1], ctype[ours.pairs[:, 0]]), -g.transpose(0, 2, 1))
        assert_close(snad_l.reshape(n, -1), ref["snad"], "snad/atom")

    def test_virial_equals_snav_atom(self, case):
        # snav/atom: +∂B_i/∂r_j ⊗ x_i on the center, −∂B_i/∂r_j ⊗ x_j(image) on the neighbour
        atoms, p, ours, ref = case
        n, nb, nt = len(atoms), ours.n_features, len(p["elements"])
        ctype = np.array([p["elements"].index(s) for s in atoms.get_chemical_symbols()])
        g = ours.grad @ ref["rot"]                                # (n_pairs, nb, 3)
        i, j = ours.pairs[:, 0], ours.pairs[:, 1]
        xi = ref["x"][i]
        xj = xi + ours.vectors @ ref["rot"]
        voigt = [(0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1)]
        snav = np.zeros((n, nt, 6, nb))
        for v, (a, b) in enumerate(voigt):
            np.add.at(snav[:, :, v], (i, ctype[i]), g[:, :, a] * xi[:, b, None])
            np.add.at(snav[:, :, v], (j, ctype[i]), -g[:, :, a] * xj[:, b, None])
        assert_close(snav.reshape(n, -1), ref["snav"], "snav/atom")

    def test_pair_rows_equal_compute_snap_dgradflag(self, case):
        # rows after the n_atoms B rows: [i, j, xyz, −Σ_images ∂B_i/∂r_j] for every (i, j) of the
        # cell (zero when j is no neighbour of i); the last row is the energy row
        atoms, p, ours, ref = case
        n, nb = len(atoms), ours.n_features
        rows = ref["snap"][n:-1]
        assert_close(ours.values, ref["snap"][:n, 3:], "compute snap B rows")
        g = ours.grad @ ref["rot"]
        keys = ours.pairs[:, 0] * n + ours.pairs[:, 1]
        summed = np.zeros((n * n, 3, nb))                          # small cells only
        np.add.at(summed, keys, g.transpose(0, 2, 1))
        ii, jj, cc = (rows[:, k].astype(np.int64) for k in range(3))
        assert len(rows) == 3 * n * n
        assert_close(-summed[ii * n + jj, cc], rows[:, 3:], "compute snap dgradflag rows")


@pytest.mark.lammps
def test_quadratic_equals_lammps_quadraticflag():
    atoms, p = tiny2(), {**CASES["Ta2-small-cell"][1], "twojmax": 2}
    d = Bispectrum(**p, quadratic=True)
    ours = d.compute(atoms, gradients=True)
    ref = lammps_reference(atoms, p, quadratic=True)
    assert ours.n_features == d.n_features == len(d.feature_names) == ref["sna"].shape[1]
    assert_close(ours.values, ref["sna"], "sna/atom quadraticflag 1")
    snad = np.zeros((len(atoms), 3, d.n_features))
    np.add.at(snad, ours.pairs[:, 1], -(ours.grad @ ref["rot"]).transpose(0, 2, 1))
    assert_close(snad.reshape(len(atoms), -1), ref["snad"], "snad/atom quadraticflag 1")


# -- identities ---------------------------------------------------------------------------------
def two_element_small():
    atoms = perturbed(bulk("NiAl", "cesiumchloride", a=2.88).repeat((2, 2, 1)), 0.1, 5)
    return atoms, Bispectrum(elements=["Ni", "Al"], twojmax=4, rcutfac=3.9, radii=[0.5, 0.42],
                             weights=[1.0, 0.63], bzeroflag=0, rmin0=0.2)


@pytest.mark.slow
def test_gradients_match_finite_differences():
    atoms, d = two_element_small()
    out = d.compute(atoms, gradients=True)

    def values(pos):
        a = atoms.copy()
        a.positions = pos
        return d.compute(a).values

    num = numeric_position_derivative(values, atoms.positions, h=1e-5)   # (n, 3, n, nb)
    n = len(atoms)
    dense = np.zeros((n, n, out.n_features, 3))                       # small test only
    np.add.at(dense, (out.pairs[:, 0], out.pairs[:, 1]), out.grad)
    np.testing.assert_allclose(dense, num.transpose(2, 0, 3, 1), atol=1e-6 * np.abs(num).max())


def test_virial_matches_strain_derivative():
    atoms, d = two_element_small()
    out = d.compute(atoms, gradients=True)
    w = np.einsum("pkc,pd->kcd", out.grad, out.vectors)          # Σ_p ∂B/∂r_j ⊗ d_p, summed over i
    h = 1e-6
    for a, b in [(0, 0), (1, 2), (2, 0)]:
        sums = []
        for sgn in (1, -1):
            m = np.eye(3)
            m[a, b] += sgn * h
            s = atoms.copy()
            s.set_cell(atoms.cell.array @ m.T, scale_atoms=False)
            s.positions = atoms.positions @ m.T
            sums.append(d.compute(s).values.sum(axis=0))
        np.testing.assert_allclose(w[:, a, b], (sums[0] - sums[1]) / (2 * h),
                                   atol=1e-6 * np.abs(w).max())


def test_rotation_and_permutation_invariance():
    atoms, d = two_element_small()
    v = d.compute(atoms).values
    rng = np.random.default_rng(7)
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    rot = atoms.copy()
    rot.set_cell(atoms.cell.array @ q.T, scale_atoms=False)
    rot.positions = atoms.positions @ q.T
    np.testing.assert_allclose(d.compute(rot).values, v, rtol=1e-11, atol=1e-11 * np.abs(v).max())
    perm = rng.permutation(len(atoms))
    np.testing.assert_allclose(d.compute(atoms[perm]).values, v[perm], rtol=1e-12)


def test_quadratic_features_are_products():
    atoms, d = two_element_small()
    lin = d.compute(atoms, gradients=True)
    dq = Bispectrum.from_dict({**d.to_dict(), "quadratic": True})
    q = dq.compute(atoms, gradients=True)
    nb = lin.n_features
    k, m = np.triu_indices(nb)
    expect = lin.values[:, k] * lin.values[:, m] * np.where(k == m, 0.5, 1.0)
    np.testing.assert_allclose(q.values[:, :nb], lin.values, rtol=1e-14)
    np.testing.assert_allclose(q.values[:, nb:], expect, rtol=1e-13)
    bi = lin.values[q.pairs[:, 0]]
    g = lin.grad
    expect_g = (bi[:, k, None] * g[:, m] + bi[:, m, None] * g[:, k]) * np.where(k == m, 0.5, 1.0)[:, None]
    np.testing.assert_allclose(q.grad[:, nb:], expect_g, rtol=1e-12, atol=1e-12 * np.abs(expect_g).max())
    assert dq.feature_names[nb] == "0.5*B[j1=0,j2=0,j=0]^2"


# -- edge cases and the spec --------------------------------------------------------------------
def test_isolated_atoms_and_self_images():
    d = Bispectrum(elements=["Cu"], twojmax=4, rcutfac=4.7, bzeroflag=1)
    lone = Atoms("Cu", positions=[[0, 0, 0]], cell=[20, 20, 20], pbc=True)
    out = d.compute(lone, gradients=True)
    np.testing.assert_allclose(out.values, 0.0, atol=1e-13)          # bzero removes the lone atom
    assert out.pairs.tolist() == [[0, 0]] and np.all(out.grad == 0)
    one = Atoms("Cu", positions=[[0.1, 0.2, 0.3]], cell=[2.6, 2.7, 2.8], pbc=True)
    out = d.compute(one, gradients=True)                             # all neighbours are images
    assert np.all(out.pairs == 0) and len(out.pairs) > 20
    np.testing.assert_allclose(out.grad[0], -out.grad[1:].sum(axis=0))
    # translation of a crystal of one atom per cell leaves B unchanged, and its net gradient is 0
    np.testing.assert_allclose(out.grad.sum(axis=0), 0.0, atol=1e-12)
    molecule = Atoms("Cu2", positions=[[0, 0, 0], [0, 0, 2.5]])
    out = d.compute(molecule, gradients=True)
    np.testing.assert_allclose(out.values[0], out.values[1], rtol=1e-13)
    assert out.pairs.tolist() == [[0, 0], [0, 1], [1, 1], [1, 0]]


def test_spec_round_trip_and_errors():
    d = make_descriptor({"name": "snap", "elements": ["Ni", "Al"], "twojmax": 8, "rcutfac": 4.0,
                         "radii": [0.5, 0.4], "weights": [1.0, 0.5], "quadratic": False})
    assert DESCRIPTORS["snap"] is Bispectrum and isinstance(d, Descriptor)
    assert Bispectrum.from_dict(d.to_dict()).to_dict() == d.to_dict()
    assert d.n_features == len(d.feature_names) == 55
    assert d.feature_names[:3] == ("B[j1=0,j2=0,j=0]", "B[j1=1,j2=0,j=1]", "B[j1=1,j2=1,j=2]")
    assert d.cutoff == pytest.approx(4.0)
    with pytest.raises(ConfigError, match="unknown hyperparameter"):
        Bispectrum.from_dict({"elements": ["Cu"], "twojmax": 2, "rcutfac": 4, "jmax": 3})
    with pytest.raises(ConfigError, match="radii"):
        Bispectrum(elements=["Cu"], twojmax=2, rcutfac=4.0, radii=[0.5, 0.5]).compute(bulk("Cu"))
    with pytest.raises(DataError, match="not in the descriptor"):
        Bispectrum(elements=["Cu"], twojmax=2, rcutfac=4.0).compute(bulk("Ni"))


def test_shared_chain_rule_gives_forces_of_a_linear_model():
    from atomforge.chain_rule import forces_and_stress

    atoms, d = two_element_small()
    beta = np.random.default_rng(3).normal(size=d.n_features)
    out = d.compute(atoms, gradients=True)
    forces, _ = forces_and_stress(np.tile(beta, (len(atoms), 1)), out, atoms.get_volume())

    def energy(pos):
        a = atoms.copy()
        a.positions = pos
        return d.compute(a).values.sum(axis=0) @ beta

    num = -numeric_position_derivative(energy, atoms.positions, h=1e-5)
    np.testing.assert_allclose(forces, num, atol=1e-6 * np.abs(num).max())
