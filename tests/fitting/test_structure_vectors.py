"""Structure vectors: batched energies, forces and stress equal SplineMEAM.evaluate exactly."""

from __future__ import annotations

import numpy as np
import pytest
from smeam_helpers import alloy, structures, two_element_potential

from atomforge.fitting.smeam.structure_vectors import (
    Layout,
    compute_structure_vectors,
    evaluate_batch,
    load_structure_vectors,
    save_structure_vectors,
)


def random_thetas(pot, n, seed):
    rng = np.random.default_rng(seed)
    th = pot.theta()
    return th + 0.1 * rng.normal(size=(n, len(th))) * np.maximum(np.abs(th), 0.1)


@pytest.mark.shared_data
@pytest.mark.parametrize("variant", ["pair", "eam", "ffg", "smeam"])
@pytest.mark.parametrize("kind", ["triclinic", "surface"])
def test_batch_equals_evaluate(variant, kind):
    pot = two_element_potential(variant)
    layout = Layout(pot)
    atoms = alloy(structures("Ni", seed=2)[kind], seed=4)
    sv = compute_structure_vectors(layout, atoms)
    thetas = random_thetas(pot, 3, seed=1)
    out = evaluate_batch(layout, sv, thetas, chunk=2)
    for p, theta in enumerate(thetas):
        ev = pot.with_theta(theta).evaluate(atoms)
        assert abs(out["energy"][p] - ev.energy) < 1e-10 * max(1.0, abs(ev.energy))
        np.testing.assert_allclose(out["forces"][p], ev.forces, rtol=0, atol=1e-10)
        np.testing.assert_allclose(out["stress"][p], ev.stress, rtol=0, atol=1e-11)


@pytest.mark.shared_data
def test_force_subset_and_hdf5_round_trip(tmp_path):
    pot = two_element_potential()
    layout = Layout(pot)
    atoms = alloy(structures("Cu", seed=1)["triclinic"], seed=1)
    keep = np.array([3, 0, 11])
    sv = compute_structure_vectors(layout, atoms, force_atoms=keep)
    full = compute_structure_vectors(layout, atoms)
    path = save_structure_vectors(tmp_path / "sv.h5", layout, [sv, full], names=["subset", "all"])
    layout2, (sv2, full2), names = load_structure_vectors(path)
    assert names == ["subset", "all"] and layout2.n_params == layout.n_params
    thetas = random_thetas(pot, 2, seed=7)
    a = evaluate_batch(layout2, sv2, thetas)
    b = evaluate_batch(layout, full, thetas)
    np.testing.assert_allclose(a["forces"], b["forces"][:, keep], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(a["energy"], b["energy"])
    np.testing.assert_allclose(evaluate_batch(layout2, full2, thetas)["stress"], b["stress"], atol=1e-15)


@pytest.mark.shared_data
def test_folded_three_body_block_halves_storage():
    layout = Layout(two_element_potential())
    # element blocks: f_Ni⊗f_Ni⊗g (folded 45·9), f_Ni⊗f_Cu⊗g (81·9), f_Cu⊗f_Cu⊗g (45·9), ρ 2·9
    assert layout.n_dens == 2 * 9 + 45 * 9 + 81 * 11 + 45 * 9
