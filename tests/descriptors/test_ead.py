"""EAD against its pair form (an independent reference), pyxtal_ff 0.2.3's values and gradients,
and finite differences."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk, molecule

from atomforge.descriptors import EAD, make_descriptor
from atomforge.descriptors.ead import pyxtal_ff_features
from atomforge.errors import ConfigError
from conformance import (check_gradients_equal_finite_differences, check_virial_equals_strain_derivative,
                         triclinic_nial)
from naive.ead import embedded_atom_density


def assert_close(ours, ref, rtol):
    ours, ref = np.asarray(ours), np.asarray(ref)
    assert ours.shape == ref.shape
    err = np.abs(ours - ref) / (np.abs(ref) + 1e-2 * np.abs(ref).max())
    assert err.max() <= rtol, f"max relative error {err.max():.3e} at {np.unravel_index(err.argmax(), err.shape)}"


@pytest.mark.parametrize("cutoff_function, lmax", [("cosine", 3), ("poly2", 2), ("tanh", 0)])
def test_values_equal_pair_form(cutoff_function, lmax):
    atoms, rc = triclinic_nial(), 4.7
    etas, rs = [0.36, 1.1], [0.0, 1.7, 2.9]
    w = {"Ni": 28.0, "Al": 13.0}
    sym = atoms.get_chemical_symbols()
    ref = embedded_atom_density(atoms, rc, cutoff_function, lmax, etas, rs, lambda j: w[sym[j]])
    ours = EAD(elements=["Ni", "Al"], rcut=rc, cutoff_function=cutoff_function, lmax=lmax, etas=etas,
               rs=rs).compute(atoms).values
    assert_close(ours, ref, 1e-12)


def test_molecule_with_given_weights():
    atoms = molecule("CH3CH2OH")
    w = {"H": 0.5, "C": 1.0, "O": -2.0}
    sym = atoms.get_chemical_symbols()
    ref = embedded_atom_density(atoms, 4.0, "cosine", 3, [0.5], [0.0, 1.2], lambda j: w[sym[j]])
    ours = EAD(elements=["H", "C", "O"], rcut=4.0, etas=[0.5], rs=[0.0, 1.2], weights=w).compute(atoms)
    assert_close(ours.values, ref, 1e-12)


VARIANTS = {
    "poly4-lmax2": dict(rcut=4.4, cutoff_function="poly4", lmax=2, etas=[0.2, 0.9], rs=[0.5, 2.5],
                        weights=[1.3, -0.7]),
    "tanh-lmax3": dict(rcut=4.4, cutoff_function="tanh", lmax=3, etas=[0.5], rs=[1.0, 3.0]),
}


@pytest.mark.parametrize("check", [check_gradients_equal_finite_differences,
                                   check_virial_equals_strain_derivative],
                         ids=lambda c: c.__name__.removeprefix("check_"))
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_gradients_of_variants(variant, check):
    check(EAD(elements=["Ni", "Al"], **VARIANTS[variant]))


def test_values_and_gradients_equal_pyxtal_ff():
    """pyxtal_ff 0.2.3 (tests/reference/make_pyxtal_ff_descriptors.py) through the map of
    :func:`pyxtal_ff_features`; ``dxdr`` row (i, j) is ∂x_i/∂r_j summed over the images of j."""
    ref = json.loads((Path(__file__).parents[1] / "reference" / "pyxtal_ff_descriptors.json").read_text())
    atoms = Atoms(numbers=ref["numbers"], positions=ref["positions"], cell=ref["cell"], pbc=True)
    p = ref["ead"]["parameters"]
    out = EAD(elements=["Ni", "Al"], rcut=ref["rcut"], cutoff_function=ref["ead"]["cutoff"], lmax=p["L"],
              etas=p["eta"], rs=p["Rs"]).compute(atoms, gradients=True)
    assert_close(pyxtal_ff_features(out.values, p["L"], ref["rcut"]), np.array(ref["ead"]["x"]), 1e-12)
    n = len(atoms)
    dense = np.zeros((n, n, out.n_features, 3))
    np.add.at(dense, (out.pairs[:, 0], out.pairs[:, 1]), out.grad)
    seq = np.array(ref["ead"]["seq"])
    assert_close(pyxtal_ff_features(dense[seq[:, 0], seq[:, 1]], p["L"], ref["rcut"]),
                 np.array(ref["ead"]["dxdr"]), 1e-10)


@pytest.mark.parametrize("spec, match", [
    (dict(lmax=-1), "lmax"), (dict(etas=[]), "etas"), (dict(rs=[1.0, 1.0]), "rs"),
    (dict(cutoff_function="cos"), "cutoff_function"), (dict(weights=[1.0, 2.0]), "weights"),
])
def test_bad_hyperparameters(spec, match):
    with pytest.raises(ConfigError, match=match):
        make_descriptor({"name": "ead", "elements": ["Ni"], **spec}).compute(bulk("Ni", "fcc", a=3.52))
