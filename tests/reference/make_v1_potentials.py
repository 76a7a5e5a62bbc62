"""Writes the format-1 potential files kept in tests/reference (run once, with atomforge at 7a4557a).

They are files as `atomforge fit` wrote them before the generic descriptor potential (kind "snap",
format version 1): a linear SNAP with a ZBL core and a quadratic SNAP, both on Ni/Al with fixed
random coefficients. ``tests/models/test_descriptor_potential.py`` checks that they still load and
give the energies and forces recorded in ``v1_potentials_expected.json``.
"""

import json
from pathlib import Path

import numpy as np
from ase.build import bulk

from atomforge.descriptors.snap import Bispectrum
from atomforge.models.linear import LinearModel, QuadraticModel
from atomforge.models.snap_potential import SNAPPotential
from atomforge.pairs.zbl import ZBL

HERE = Path(__file__).parent


def structure():
    atoms = bulk("NiAl", "cesiumchloride", a=2.88).repeat((2, 2, 2))
    atoms.positions += np.random.default_rng(5).normal(0.0, 0.1, atoms.positions.shape)
    return atoms


def main():
    rng = np.random.default_rng(7)
    expected = {}
    for name, cls, zbl in (("snap_zbl_v1", LinearModel, ZBL(1.5, 2.2, {"Ni": 28.0, "Al": 13.0})),
                           ("qsnap_v1", QuadraticModel, None)):
        desc = Bispectrum(elements=["Ni", "Al"], twojmax=4, rcutfac=4.2, radii=[0.5, 0.45],
                          weights=[1.0, 0.7])
        model = cls(species=["Ni", "Al"])
        n_terms = model.n_terms(desc.n_features)
        model.set_coefficients(rng.normal(0.0, 0.05, (2, 1 + n_terms)))
        pot = SNAPPotential(desc, model, zbl, {"note": "reference file, format 1"})
        pot.save(HERE / f"{name}.atomforge")
        ev = pot.evaluate(structure())
        expected[name] = {"energy": ev.energy, "forces": ev.forces.tolist(), "stress": ev.stress.tolist()}
    (HERE / "v1_potentials_expected.json").write_text(json.dumps(expected, indent=1))


if __name__ == "__main__":
    main()
