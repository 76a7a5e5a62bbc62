"""Write pyxtal_ff_descriptors.json: pyxtal_ff 0.2.3's ACSF, wACSF and EAD values and gradients.

Run with pyxtal_ff's own environment (ORACLES.md), from this folder:

    python3 -m venv /work/venvs/pyxtal_ff
    /work/venvs/pyxtal_ff/bin/pip install torch==2.13.0 pyxtal_ff==0.2.3 "scipy<1.17"
    /work/venvs/pyxtal_ff/bin/python make_pyxtal_ff_descriptors.py

Structure: a rattled B2 NiAl cell of 2×1×1 conventional cells (5.76 × 2.88 × 2.88 Å, 4 atoms),
smaller than the cutoff, so neighbours include images of the center and of each other atom.
pyxtal_ff's ``dxdr`` rows are ∂x_i/∂r_j per (i, j) = ``seq`` row, summed over images of j.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyxtal_ff
from ase.build import bulk
from pyxtal_ff.descriptors.ACSF import ACSF, create_type_set
from pyxtal_ff.descriptors.EAD import EAD

RC = 4.5
SETTINGS = {
    "acsf": {"parameters": {"G2": {"eta": [0.3, 1.2], "Rs": [0.0, 1.9]},
                            "G4": {"eta": [0.05, 0.2], "lambda": [-1, 1], "zeta": [1, 2]},
                            "G5": {"eta": [0.1], "lambda": [-1, 1], "zeta": [1, 4]}},
             "cutoff": "cosine"},
    "wacsf": {"parameters": {"G2": {"eta": [0.3, 1.2], "Rs": [0.0, 1.9]},
                             "G4": {"eta": [0.05, 0.2], "lambda": [-1, 1], "zeta": [1, 2]},
                             "G5": {"eta": [0.1], "lambda": [-1, 1], "zeta": [1, 4]}},
              "cutoff": "poly2"},
    "ead": {"parameters": {"L": 3, "eta": [0.36, 1.0], "Rs": [0.0, 1.5, 3.0]}, "cutoff": "cosine"},
}


def structure():
    atoms = bulk("NiAl", "cesiumchloride", a=2.88).repeat((2, 1, 1))
    atoms.positions += np.random.default_rng(7).normal(0.0, 0.1, atoms.positions.shape)
    return atoms


def main():
    atoms = structure()
    system = [28, 13]
    out = {"pyxtal_ff_version": pyxtal_ff.__version__, "rcut": RC,
           "cell": atoms.cell.array.tolist(), "positions": atoms.positions.tolist(),
           "numbers": atoms.numbers.tolist(),
           # pyxtal_ff's element (pair) order: combinations_with_replacement(list(set(system)))
           "type_set1": create_type_set(np.array(system), 1).tolist(),
           "type_set2": create_type_set(np.array(system), 2).tolist()}
    for name, s in SETTINGS.items():
        if name == "ead":
            d = EAD(s["parameters"], RC, derivative=True, stress=False, cutoff=s["cutoff"]).calculate(atoms)
        else:
            d = ACSF(s["parameters"], RC, derivative=True, stress=False, cutoff=s["cutoff"],
                     atom_weighted=(name == "wacsf")).calculate(atoms, system=system)
        out[name] = {**s, "x": np.asarray(d["x"]).tolist(), "seq": np.asarray(d["seq"]).tolist(),
                     "dxdr": np.asarray(d["dxdr"]).tolist()}
    path = Path(__file__).with_name("pyxtal_ff_descriptors.json")
    path.write_text(json.dumps(out) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
