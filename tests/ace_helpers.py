"""Shared by the ACE tests: python-ace-built ``.yace`` files and the cells they are checked on."""

from __future__ import annotations

import numpy as np
from ase import Atoms
from ase.build import bulk


def pyace_yace(tmp_path, elements, nradmax, lmax, *, rcut, binary_rcut=None, r_in=0.0, delta_in=0.0,
               random_radial=False, ndensity=1, coefficient_seed=None):
    """A basis made by python-ace's own tools, written as .yace: unit coefficients and one density,
    or (``coefficient_seed``) a potential with random coefficients and FS parameters [1, 1, 1, 0.5]."""
    from pyace.basis import ACEBBasisSet
    from pyace.multispecies_basisextension import create_multispecies_basis_config

    bond = {"radbase": "ChebExpCos", "radparameters": [5.25], "rcut": rcut, "dcut": 0.01}
    if r_in:
        bond |= {"r_in": r_in, "delta_in": delta_in, "inner_cutoff_type": "distance"}
    config = create_multispecies_basis_config({
        "deltaSplineBins": 1e-4, "elements": elements,
        "embeddings": {"ALL": {"npot": "FinnisSinclairShiftedScaled", "fs_parameters": [1, 1, 1, 0.5][:2 * ndensity],
                               "ndensity": ndensity}},
        "bonds": {"ALL": bond},
        "functions": {"ALL": {"nradmax_by_orders": nradmax, "lmax_by_orders": lmax}}})
    blocks = []
    for block in config.funcspecs_blocks:
        n_coeffs = len(block.get_func_coeffs())
        if coefficient_seed is None:
            block.set_func_coeffs(np.ones(n_coeffs))
        else:
            rng = np.random.default_rng(coefficient_seed + len(blocks))
            block.set_func_coeffs(0.05 * rng.normal(size=n_coeffs))
        if random_radial and np.size(block.radcoefficients):  # one set per unordered pair
            seed = sum(elements.index(s) + 1 for s in set(block.block_name.split()))
            rng = np.random.default_rng(seed * len(block.block_name.split()))
            block.radcoefficients = rng.normal(size=np.shape(block.radcoefficients)).tolist()
        if binary_rcut and " " in block.block_name:
            block.rcutij = binary_rcut
        blocks.append(block)
    config.funcspecs_blocks = blocks
    path = tmp_path / "basis.yace"
    ACEBBasisSet(config).to_ACECTildeBasisSet().save_yaml(str(path))
    return path


def triclinic_cu():
    cell = np.array([[3.9, 0.0, 0.0], [1.1, 3.6, 0.0], [0.6, 0.9, 4.2]])
    frac = np.random.default_rng(268).random((5, 3))  # no pair within 0.015 Å of rc
    atoms = Atoms("Cu5", scaled_positions=frac, cell=cell, pbc=True)
    return atoms


def nial16():
    atoms = bulk("NiAl", "cesiumchloride", a=2.9).repeat((2, 2, 2))
    atoms.positions += np.random.default_rng(2).normal(0.0, 0.25, atoms.positions.shape)
    return atoms


PYACE_CASES = {
    "triclinic-Cu": (triclinic_cu, dict(elements=["Cu"], nradmax=[6, 3, 2, 1], lmax=[0, 3, 2, 1], rcut=5.0)),
    "NiAl-inner-radial": (nial16, dict(elements=["Ni", "Al"], nradmax=[4, 2, 2, 1], lmax=[0, 2, 2, 1],
                                       rcut=4.7, binary_rcut=4.3, r_in=2.1, delta_in=0.4, random_radial=True)),
}
