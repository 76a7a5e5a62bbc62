"""ACSF and weighted ACSF against dscribe, a term-by-term reference, finite differences and
exact identities between the two.

Convention factor against dscribe 2.1 (``dscribe.descriptors.ACSF``): 1. Both count each
unordered neighbour pair {j, k} once in G4/G5 (Behler's printed double sum, the naive reference
here, is twice that). Only the column order differs: dscribe puts G1 (= our G2 with η = 0) first
in each element's G2 block, orders element pairs (0,0), (0,1), (1,1), (0,2), … and interleaves
G4 and G5 per pair; :func:`dscribe_columns` maps ours onto it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk, molecule

from atomforge.descriptors import ACSF, WeightedACSF, make_descriptor
from atomforge.descriptors.acsf import imbalzano_angular, imbalzano_radial
from atomforge.errors import ConfigError
from conformance import (check_gradients_equal_finite_differences, check_virial_equals_strain_derivative,
                         triclinic_nial)
from naive.acsf import symmetry_functions

G2 = [(0.0, 0.0), (0.5, 0.0), (0.9, 1.3), (2.0, 2.4)]
G4 = [(0.05, 1.0, 1.0), (0.1, 2.0, -1.0), (0.02, 4.0, 1.0)]
G5 = [(0.05, 1.0, -1.0), (0.3, 3.0, 1.0)]


def ethanol():
    atoms = molecule("CH3CH2OH")
    atoms.positions += np.random.default_rng(0).normal(0.0, 0.05, atoms.positions.shape)
    return atoms


def rocksalt_mgo():
    atoms = bulk("MgO", "rocksalt", a=4.21, cubic=True)
    atoms.positions += np.random.default_rng(1).normal(0.0, 0.1, atoms.positions.shape)
    return atoms


def assert_close(ours, ref, rtol):
    """|ours − ref| ≤ rtol (|ref| + max |ref|·1e-2): relative, with a floor for near-zero entries."""
    ours, ref = np.asarray(ours), np.asarray(ref)
    assert ours.shape == ref.shape
    err = np.abs(ours - ref) / (np.abs(ref) + 1e-2 * np.abs(ref).max())
    assert err.max() <= rtol, f"max relative error {err.max():.3e} at {np.unravel_index(err.argmax(), err.shape)}"


# -- dscribe ------------------------------------------------------------------------------------
def dscribe_columns(n_el: int, n2: int, n4: int, n5: int) -> np.ndarray:
    """Index into our features of each dscribe column (our G2 params start with η = 0 = G1)."""
    cols = [e * n2 + a for e in range(n_el) for a in range(n2)]
    ours_pair = {}
    for a in range(n_el):
        for b in range(a, n_el):
            ours_pair[(a, b)] = len(ours_pair)
    off4, off5 = n_el * n2, n_el * n2 + len(ours_pair) * n4
    for b in range(n_el):                 # dscribe: (0,0), (0,1), (1,1), (0,2), (1,2), (2,2), ...
        for a in range(b + 1):
            c = ours_pair[(a, b)]
            cols += [off4 + c * n4 + k for k in range(n4)] + [off5 + c * n5 + k for k in range(n5)]
    return np.array(cols)


@pytest.mark.parametrize("make, elements, periodic", [(ethanol, ["H", "C", "O"], False),
                                                       (rocksalt_mgo, ["O", "Mg"], True)],
                         ids=["ethanol", "MgO-crystal"])
def test_values_equal_dscribe(make, elements, periodic):
    from dscribe.descriptors import ACSF as DscribeACSF  # test extra; a missing oracle fails

    atoms, rc = make(), 5.5
    ref = DscribeACSF(r_cut=rc, g2_params=G2[1:], g4_params=G4, g5_params=G5, species=elements,
                       periodic=periodic).create(atoms)
    ours = ACSF(elements=elements, rcut=rc, g2=G2, g4=G4, g5=G5).compute(atoms).values
    cols = dscribe_columns(len(elements), len(G2), len(G4), len(G5))
    assert ref.shape == (len(atoms), len(cols))
    assert_close(ours[:, cols], ref, 1e-12)


# -- pyxtal_ff 0.2.3 (tests/reference/make_pyxtal_ff_descriptors.py) ------------------------------
PYXTAL_FF = Path(__file__).parents[1] / "reference" / "pyxtal_ff_descriptors.json"


def pyxtal_ff_case(name):
    """Our descriptor with pyxtal_ff's parameters, the structure, pyxtal_ff's output and the index
    into our features of each pyxtal_ff column (pyxtal_ff: parameter-major, element (pair) fastest;
    G2 parameters η-major, G4/G5 ζ-major, then λ, then η)."""
    ref = json.loads(PYXTAL_FF.read_text())
    atoms = Atoms(numbers=ref["numbers"], positions=ref["positions"], cell=ref["cell"], pbc=True)
    p = ref[name]["parameters"]
    g2 = [(e, r) for e in p["G2"]["eta"] for r in p["G2"]["Rs"]]
    g4, g5 = ([(e, z, lam) for z in q["zeta"] for lam in q["lambda"] for e in q["eta"]]
              for q in (p["G4"], p["G5"]))
    assert [t[0] for t in ref["type_set1"]] == [28, 13]          # pyxtal_ff's order = ours: Ni, Al
    assert ref["type_set2"] == [[28, 28], [28, 13], [13, 13]]
    cls, (c2, c4) = (ACSF, (2, 3)) if name == "acsf" else (WeightedACSF, (1, 1))
    desc = cls(elements=["Ni", "Al"], rcut=ref["rcut"], cutoff_function=ref[name]["cutoff"], g2=g2,
               g4=g4, g5=g5)
    cols, start = [], 0
    for n_par, n_chan in ((len(g2), c2), (len(g4), c4), (len(g5), c4)):
        cols += [start + c * n_par + k for k in range(n_par) for c in range(n_chan)]
        start += n_par * n_chan
    return desc, atoms, ref[name], np.array(cols)


@pytest.mark.parametrize("name", ["acsf", "wacsf"])
def test_values_and_gradients_equal_pyxtal_ff(name):
    """pyxtal_ff's ``dxdr`` row (i, j) is ∂x_i/∂r_j summed over the images of j. Its self rows
    (i, i) are left out: in this cell, smaller than the cutoff, the center's own images are
    neighbours and pyxtal_ff's ∂x_i/∂r_i is off by 12 % of the row's scale against central
    differences of its own values (ours agree with those; see the conformance suite)."""
    desc, atoms, ref, cols = pyxtal_ff_case(name)
    out = desc.compute(atoms, gradients=True)
    assert_close(out.values[:, cols], np.array(ref["x"]), 1e-12)
    n = len(atoms)
    dense = np.zeros((n, n, out.n_features, 3))
    np.add.at(dense, (out.pairs[:, 0], out.pairs[:, 1]), out.grad)
    seq = np.array(ref["seq"])
    other = seq[:, 0] != seq[:, 1]
    assert_close(dense[seq[other, 0], seq[other, 1]][:, cols], np.array(ref["dxdr"])[other], 1e-10)


# -- term-by-term reference -----------------------------------------------------------------------
@pytest.mark.parametrize("cutoff_function", ["cosine", "poly3"])
def test_values_equal_naive_sums(cutoff_function):
    atoms, elements, rc = triclinic_nial(), ["Ni", "Al"], 4.1
    d = ACSF(elements=elements, rcut=rc, cutoff_function=cutoff_function, g2=G2[1:3], g4=G4[:2],
             g5=G5)
    t = {s: k for k, s in enumerate(elements)}
    types = [t[s] for s in atoms.get_chemical_symbols()]
    pair = {(0, 0): 0, (0, 1): 1, (1, 0): 1, (1, 1): 2}
    ref = symmetry_functions(atoms, rc, cutoff_function, G2[1:3], G4[:2], G5, lambda j: types[j],
                             lambda j, k: pair[types[j], types[k]], (2, 3))
    ref[:, 4:] /= 2                                   # ordered pairs (j, k) → unordered {j, k}
    assert_close(d.compute(atoms).values, ref, 1e-12)


def test_weighted_values_equal_naive_sums():
    atoms, elements, rc = triclinic_nial(), ["Ni", "Al"], 4.1
    w = {"Ni": 1.7, "Al": -0.4}
    d = WeightedACSF(elements=elements, rcut=rc, cutoff_function="tanh", g2=G2[1:3], g4=G4[:2], g5=G5,
                     weights=w)
    sym = atoms.get_chemical_symbols()
    ref = symmetry_functions(atoms, rc, "tanh", G2[1:3], G4[:2], G5, lambda j: 0, lambda j, k: 0, (1, 1),
                             weight=lambda j: w[sym[j]])
    ref[:, 2:] /= 2
    assert_close(d.compute(atoms).values, ref, 1e-12)


# -- identities between ACSF and weighted ACSF -----------------------------------------------------
def test_weighted_equals_weighted_sum_of_element_blocks():
    """wG2 = Σ_e w_e G2[e]; wG4 = Σ_{a≤b} w_a w_b G4[a,b] (values and gradients)."""
    atoms = triclinic_nial()
    spec = dict(elements=["Ni", "Al"], rcut=4.8, g2="imbalzano", g4="imbalzano", g5=G5, n_intervals=2)
    plain = ACSF(**spec).compute(atoms, gradients=True)
    weighted = WeightedACSF(**spec).compute(atoms, gradients=True)      # w = Z: 28 (Ni), 13 (Al)
    n2, n4, n5 = 5, 12, len(G5)
    w2 = np.array([28.0, 13.0])
    w4 = np.array([28.0 * 28.0, 28.0 * 13.0, 13.0 * 13.0])
    blocks = [(0, 2, n2, w2), (2 * n2, 3, n4, w4), (2 * n2 + 3 * n4, 3, n5, w4)]
    expected_v, expected_g = [], []
    for start, n_chan, size, w in blocks:
        v = plain.values[:, start:start + n_chan * size].reshape(-1, n_chan, size)
        g = plain.grad[:, start:start + n_chan * size].reshape(len(plain.grad), n_chan, size, 3)
        expected_v.append(np.einsum("c,icf->if", w, v))
        expected_g.append(np.einsum("c,pcfx->pfx", w, g))
    np.testing.assert_array_equal(weighted.pairs, plain.pairs)
    assert_close(weighted.values, np.hstack(expected_v), 1e-12)
    assert_close(weighted.grad, np.concatenate(expected_g, axis=1), 1e-12)


def test_weighted_feature_count_does_not_grow_with_elements():
    one = WeightedACSF(elements=["Cu"])
    three = WeightedACSF(elements=["Cu", "Ni", "Al"])
    assert one.n_features == three.n_features == 7 + 16
    assert ACSF(elements=["Cu", "Ni", "Al"]).n_features == 3 * 7 + 6 * 16


# -- gradients of the other code paths ----------------------------------------------------------
VARIANTS = {
    "g5-tanh": lambda: ACSF(elements=["Ni", "Al"], rcut=4.5, cutoff_function="tanh", g2=G2[:3], g4=[],
                            g5=G5),
    "g4-poly2-shifted": lambda: ACSF(elements=["Ni", "Al"], rcut=4.5, cutoff_function="poly2",
                                     g2="shifted", g4=G4, n_intervals=2),
    "wacsf-poly4-g5": lambda: WeightedACSF(elements=["Ni", "Al"], rcut=4.5, cutoff_function="poly4",
                                           g2=G2[1:2], g4=G4[1:], g5="imbalzano", n_intervals=2,
                                           zetas=[1.0, 2.5], weights=[0.3, 1.9]),
}


@pytest.mark.parametrize("check", [check_gradients_equal_finite_differences,
                                   check_virial_equals_strain_derivative],
                         ids=lambda c: c.__name__.removeprefix("check_"))
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_gradients_of_variants(variant, check):
    check(VARIANTS[variant]())


# -- parameter grids and bad input ----------------------------------------------------------------
def test_imbalzano_grids():
    """Imbalzano et al. (2018) sec. II C with n = 4, r_c = 6 Å: centred η_m r_c² = n^(2m/n) = 2^m."""
    n, rc = 4, 6.0
    centred = imbalzano_radial(n, rc, "centred")
    np.testing.assert_allclose(centred[:, 0] * rc**2, [1.0, 2.0, 4.0, 8.0, 16.0], rtol=1e-14)
    assert not centred[:, 1].any()
    shifted = imbalzano_radial(n, rc, "shifted")       # R_s = r_c / n^(m/n), m = n … 1
    np.testing.assert_allclose(shifted[:, 1], rc / 4.0 ** (np.arange(n, 0, -1) / n), rtol=1e-14)
    edges = np.append(shifted[:, 1], rc)
    np.testing.assert_allclose(shifted[:, 0] * np.diff(edges) ** 2, 1.0, rtol=1e-12)
    both = ACSF(elements=["Cu"], rcut=rc, n_intervals=n, g4=[])
    assert both.n_features == 2 * n + 1
    angular = imbalzano_angular(n, rc, [1.0, 4.0])
    assert angular.shape == ((n + 1) * 2 * 2, 3)
    assert set(map(tuple, angular[:, 1:])) == {(1.0, -1.0), (1.0, 1.0), (4.0, -1.0), (4.0, 1.0)}


@pytest.mark.parametrize("spec, match", [
    (dict(cutoff_function="gaussian"), "cutoff_function"),
    (dict(g4=[(0.1, 0.5, 1.0)]), "g4"),
    (dict(g5=[(0.1, 1.0, 2.0)]), "g5"),
    (dict(g2=[(0.1, 0.0), (0.1, 0.0)]), "twice"),
    (dict(g2="evenly"), "g2"),
    (dict(n_intervals=1), "n_intervals"),
    (dict(rcut=-1.0), "rcut"),
    (dict(g2=[], g4=[], g5=[]), "no symmetry function"),
])
def test_bad_hyperparameters(spec, match):
    atoms = bulk("Ni", "fcc", a=3.52)
    with pytest.raises(ConfigError, match=match):
        ACSF(elements=["Ni"], **spec).compute(atoms)


def test_weights_of_unknown_element_are_refused():
    with pytest.raises(ConfigError, match="Cu"):
        make_descriptor({"name": "wacsf", "elements": ["Ni"], "weights": {"Cu": 1.0}}).compute(
            bulk("Ni", "fcc", a=3.52))
