"""GRS loss and effective potential: exact gradients (finite differences), Q = 0 at the target,
invariances, and the target file round trip."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk
from scipy.spatial.transform import Rotation

from atomforge.descriptors import ACE, Bispectrum
from atomforge.grs import GRSCalculator, MomentLoss, RepulsiveCore, Target, moment_loss
from finite_differences import numeric_forces, numeric_position_derivative, numeric_stress

ELEMENTS = ["Ni", "Al"]


def small_ace():
    return ACE(elements=ELEMENTS, nmax=[3, 2, 1], lmax=[0, 1, 1], rcut=4.2)


def triclinic_nial() -> Atoms:
    cell = np.array([[4.1, 0.0, 0.0], [0.9, 3.9, 0.0], [0.5, 0.7, 4.3]])
    rng = np.random.default_rng(3)
    frac = np.array([[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5], [0.25, 0.3, 0.7]])
    atoms = Atoms("Ni2Al3", scaled_positions=frac, cell=cell, pbc=True)
    atoms.positions += rng.normal(0, 0.1, atoms.positions.shape)
    return atoms


def target_structures():
    a = bulk("NiAl", "cesiumchloride", a=2.88).repeat(2)
    b = bulk("Ni", "fcc", a=3.6, cubic=True)
    b.symbols[[1, 2]] = "Al"
    b.rattle(0.1, seed=2)
    return [a, b]


@pytest.fixture(scope="module")
def ace_target():
    d = small_ace()
    return d, Target.from_structures(d, target_structures())


@pytest.mark.parametrize("kind,scaled", [("squared", False), ("absolute", False), ("squared", True)])
def test_loss_gradient_matches_finite_differences(ace_target, kind, scaled):
    _, target = ace_target
    rng = np.random.default_rng(0)
    if scaled:  # a reference scale: spread of the target's values with noise, some features very narrow
        target = target.with_scale(target.values * rng.uniform(0.5, 1.5, target.values.shape))
    numbers = target.numbers[:7]
    loss = MomentLoss(kind=kind, alpha=(1.0, 0.7, 0.5, 0.3))
    scale = loss.scales(target)[np.where(numbers == 28, 0, 1)]
    values = target.values[:7] + rng.normal(0, 0.5, (7, target.n_features)) * scale
    _, dq = moment_loss(values, numbers, target, loss)
    h = 1e-6
    for i, k in [(0, 0), (2, 3), (5, 1), (6, target.n_features - 1)]:
        vp, vm = values.copy(), values.copy()
        vp[i, k] += h
        vm[i, k] -= h
        fd = (moment_loss(vp, numbers, target, loss)[0] - moment_loss(vm, numbers, target, loss)[0]) / (2 * h)
        assert dq[i, k] == pytest.approx(fd, rel=1e-5, abs=1e-8)


@pytest.mark.parametrize("w1,w2", [(1.0, 0.0), (0.7, 0.5), (-2.0, 0.0)])
def test_forces_and_stress_are_gradients_of_v(ace_target, w1, w2):
    d, target = ace_target
    others = [(o.values, o.numbers) for o in [d.compute(target_structures()[1])]]
    atoms = triclinic_nial()
    atoms.calc = GRSCalculator(d, target, w1=w1, w2=w2, others=others, reverse_cap=0.5,
                               core=RepulsiveCore(epsilon=2.0, scale=1.0))
    assert atoms.get_potential_energy() != 0
    np.testing.assert_allclose(atoms.get_forces(), numeric_forces(atoms, h=1e-5), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(atoms.get_stress(), numeric_stress(atoms, h=1e-6), rtol=1e-5, atol=1e-7)


def test_forces_with_a_reference_scale_are_gradients_of_v(ace_target):
    d, target = ace_target
    ref = np.concatenate([d.compute(triclinic_nial()).values, target.values])
    atoms = triclinic_nial()
    atoms.calc = GRSCalculator(d, target.with_scale(ref), w1=0.8, core=RepulsiveCore(epsilon=0.0))
    np.testing.assert_allclose(atoms.get_forces(), numeric_forces(atoms, h=1e-5), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(atoms.get_stress(), numeric_stress(atoms, h=1e-6), rtol=1e-5, atol=1e-7)


def test_crystal_q_is_the_mean_atom_distance_to_the_target_environment():
    # α = (1, 1, 0, 0), squared, ε → 0, zero-spread target: Q = (1/N) Σ_i ‖(B_i − B_T[e_i]) / s‖² + c·Δx²
    from atomforge.grs.candidates import random_occupation

    d = ACE(elements=["Au", "Cu"], nmax=[4, 2], lmax=[0, 1], rcut=4.2)
    l12 = bulk("Cu", "fcc", a=3.75, cubic=True)
    l12.symbols[0] = "Au"
    lattice = bulk("Cu", "fcc", a=3.75, cubic=True).repeat((2, 2, 2))
    rng = np.random.default_rng(4)
    ref = np.concatenate([d.compute(random_occupation(lattice, {"Au": 1, "Cu": 3}, rng)).values for _ in range(3)])
    target = Target.from_structures(d, [l12]).with_scale(ref)
    loss = MomentLoss(alpha=(1.0, 1.0, 0.0, 0.0), composition_weight=0.0, root_eps=1e-24)  # ε → 0: exact
    s = np.sqrt(ref.std(0) ** 2 + (loss.floor * np.median(ref.std(0))) ** 2)
    np.testing.assert_allclose(loss.scales(target), np.stack([s, s]), rtol=1e-12)
    atoms = random_occupation(lattice, {"Au": 1, "Cu": 3}, rng)
    out = d.compute(atoms)
    env = {z: d.compute(l12).values[l12.numbers == z][0] for z in (79, 29)}
    expect = np.mean([np.mean(((b - env[z]) / s) ** 2) for b, z in zip(out.values, out.numbers)])
    q = moment_loss(out.values, out.numbers, target, loss, gradient=False)[0]
    assert q == pytest.approx(expect, rel=1e-10)
    assert q > 0.1


def test_bispectrum_forces_match_finite_differences():
    d = Bispectrum(elements=ELEMENTS, twojmax=4, rcutfac=4.0)
    target = Target.from_structures(d, target_structures())
    atoms = triclinic_nial()
    atoms.calc = GRSCalculator(d, target, core=RepulsiveCore(epsilon=0.0))
    np.testing.assert_allclose(atoms.get_forces(), numeric_forces(atoms, h=1e-5), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(atoms.get_stress(), numeric_stress(atoms, h=1e-6), rtol=1e-5, atol=1e-7)


def test_repulsive_core_forces_stress_and_range():
    atoms = triclinic_nial()
    core = RepulsiveCore(epsilon=3.0, scale=1.1)
    energy, forces, stress = core.compute(atoms)
    assert energy > 0

    def e_of(p):
        a = atoms.copy()
        a.positions = p
        return core.compute(a)[0]

    np.testing.assert_allclose(forces, -numeric_position_derivative(e_of, atoms.positions, 1e-6),
                               rtol=1e-6, atol=1e-9)
    from finite_differences import numeric_strain_derivative
    np.testing.assert_allclose(stress, numeric_strain_derivative(lambda a: core.compute(a)[0], atoms, 1e-6),
                               rtol=1e-6, atol=1e-9)
    # two atoms: zero beyond σ, (1 − r/σ)³ inside
    pair = Atoms("Ni2", positions=[[0, 0, 0], [0, 0, 1.0]])
    sigma = 2 * core.sigma(np.array([28]))[0]
    assert core.compute(pair)[0] == pytest.approx(3.0 * (1 - 1.0 / sigma) ** 3)
    pair.positions[1, 2] = sigma + 1e-9
    assert core.compute(pair)[0] == 0.0


def test_q_vanishes_at_target_and_is_invariant(ace_target):
    d, _ = ace_target
    a = triclinic_nial()
    target = Target.from_structures(d, [a])
    loss = MomentLoss()

    def q(atoms):
        out = d.compute(atoms)
        return moment_loss(out.values, out.numbers, target, loss, gradient=False)[0]

    assert q(a) == pytest.approx(0.0, abs=1e-20)
    b = a.copy()
    b.rattle(0.05, seed=5)
    q0 = q(b)
    assert q0 > 1e-6
    moved = b.copy()
    rot = Rotation.from_euler("xyz", [0.3, -1.1, 0.7]).as_matrix()
    moved.set_cell(b.cell.array @ rot.T, scale_atoms=True)
    moved.translate([0.4, -1.3, 2.2])
    moved.wrap()
    perm = np.random.default_rng(1).permutation(len(b))
    moved = moved[perm]
    assert q(moved) == pytest.approx(q0, rel=1e-10)
    assert q(b.repeat((2, 1, 2))) == pytest.approx(q0, rel=1e-10)  # moments are intensive


def test_core_clear_of_the_target_acts_on_none_of_its_pairs(ace_target):
    _, target = ace_target
    core = RepulsiveCore.clear_of(target.shortest, ELEMENTS, cap=2.0)
    widest = 2 * core.sigma(np.array([13, 28])).max()  # σ of the pair of the largest radii (Ni–Ni)
    assert core.scale > 0.8 and widest == pytest.approx(0.95 * target.shortest, rel=1e-12)
    assert all(core.compute(a)[0] == 0.0 for a in target_structures())
    assert RepulsiveCore(scale=core.scale * 1.1).compute(target_structures()[1])[0] > 0  # the test can fail
    assert RepulsiveCore.clear_of(target.shortest, ELEMENTS).scale == 0.8  # capped at the default
    with pytest.raises(ValueError, match="shortest distance is unknown"):
        RepulsiveCore.clear_of(0.0, ELEMENTS)


def test_target_round_trip_and_moments(tmp_path, ace_target):
    d, target = ace_target
    path = target.save(tmp_path / "t.npz")
    back = Target.load(path)
    assert back.scale is None and back.digest() == target.digest()
    scaled = target.with_scale(target.values[::-1] * 2.0)
    again = Target.load(scaled.save(tmp_path / "s.npz"))
    np.testing.assert_array_equal(again.scale, scaled.scale)
    np.testing.assert_allclose(scaled.scale, 2.0 * target.values.std(0), rtol=1e-13)
    assert again.digest() == scaled.digest() != target.digest()
    np.testing.assert_array_equal(back.moments, target.moments)
    np.testing.assert_array_equal(back.values, target.values)
    assert back.descriptor == target.descriptor and back.elements == ELEMENTS
    # moments against scipy's definitions
    from scipy import stats

    ni = target.values[target.numbers == 28]
    s = target.summary()["Ni"]
    np.testing.assert_allclose(s["variance"], np.var(ni, axis=0), atol=1e-14)
    spread = np.var(ni, axis=0) > 1e-12
    np.testing.assert_allclose(np.array(s["skewness"])[spread], stats.skew(ni, axis=0)[spread], rtol=1e-8)
    np.testing.assert_allclose(np.array(s["kurtosis"])[spread],
                               stats.kurtosis(ni, axis=0, fisher=False)[spread], rtol=1e-8)
    # shortest distance against ASE's minimum-image distances of the target structures
    ase_shortest = min(a.get_all_distances(mic=True)[np.triu_indices(len(a), 1)].min() for a in target_structures())
    assert target.shortest == pytest.approx(ase_shortest, rel=1e-12) and back.shortest == target.shortest
    (tmp_path / "bad.npz").write_bytes(b"not a file")
    with pytest.raises(ValueError, match="not a GRS target"):
        Target.load(tmp_path / "bad.npz")
