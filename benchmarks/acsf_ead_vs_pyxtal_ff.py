"""Time ACSF, weighted ACSF and EAD values + gradients against pyxtal_ff 0.2.3, one thread each,
and check that both give the same numbers.

System: 256-atom perturbed fcc Cu (a = 3.615 Å, 4×4×4 cubic cells, σ = 0.05 Å, seed 0). Settings
(pyxtal_ff's examples, r_c = 5 Å, cosine cutoff):

* acsf / wacsf: G2 η = 0.035709 … 1.78545 (6 values, R_s = 0), G4 η = 0.035709 … 0.35709
  (4 values), ζ = 1, λ = ±1 (pyxtal_ff ``examples/Si-Python/bp-NN.py``): 14 features;
* ead: L_max = 3, η = 0.36, R_s = 0, 0.75, …, 4.5 (pyxtal_ff ``examples/.../eamd-NN.py`` with
  L = 3): 28 features.

atomforge: ``compute(atoms, gradients=True)`` (neighbour list included), best of 5 after a
warm-up. pyxtal_ff: ``ACSF(..., derivative=True, stress=False).calculate(atoms)`` (or ``EAD``), run
by pyxtal_ff's own Python (``--pyxtal-ff-python``, default /work/venvs/pyxtal_ff/bin/python, see
ORACLES.md) with one BLAS thread, best of ``--reference-repeats`` (default 1). The check compares
values and the gradient rows (i, j), j ≠ i, summed over images (pyxtal_ff's ``dxdr``/``seq``);
EAD through :func:`atomforge.descriptors.ead.pyxtal_ff_features`.

Run: ``PYTHONPATH=src python3 benchmarks/acsf_ead_vs_pyxtal_ff.py`` (prints one JSON object).
"""

from __future__ import annotations

import os

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

REPEATS = 5
RC = 5.0
G2_ETAS = [0.035709, 0.071418, 0.178545, 0.35709, 0.71418, 1.78545]
G4_ETAS = [0.035709, 0.071418, 0.178545, 0.35709]
EAD_RS = [0.0, 0.75, 1.5, 2.25, 3.0, 3.75, 4.5]
PYXTAL_FF = {
    "acsf": {"parameters": {"G2": {"eta": G2_ETAS, "Rs": [0.0]},
                            "G4": {"eta": G4_ETAS, "lambda": [-1, 1], "zeta": [1]}}},
    "wacsf": {"parameters": {"G2": {"eta": G2_ETAS, "Rs": [0.0]},
                             "G4": {"eta": G4_ETAS, "lambda": [-1, 1], "zeta": [1]}}},
    "ead": {"parameters": {"L": 3, "eta": [0.36], "Rs": EAD_RS}},
}

WORKER = """
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import numpy as np
from ase import Atoms
from pyxtal_ff.descriptors.ACSF import ACSF
from pyxtal_ff.descriptors.EAD import EAD
job = json.load(open(sys.argv[1]))
atoms = Atoms(numbers=job["numbers"], positions=job["positions"], cell=job["cell"], pbc=True)
out = {}
for name, s in job["settings"].items():
    if name == "ead":
        make = lambda: EAD(s["parameters"], job["rc"], derivative=True, stress=False, cutoff="cosine")
    else:
        make = lambda: ACSF(s["parameters"], job["rc"], derivative=True, stress=False, cutoff="cosine",
                            atom_weighted=(name == "wacsf"))
    times = []
    for _ in range(job["repeats"]):
        t = time.perf_counter()
        d = make().calculate(atoms)
        times.append(time.perf_counter() - t)
    out[name + "_t"] = np.array(min(times))
    out[name + "_x"], out[name + "_dxdr"], out[name + "_seq"] = d["x"], d["dxdr"], d["seq"]
np.savez(sys.argv[2], **out)
"""


def cu256():
    from ase.build import bulk

    atoms = bulk("Cu", "fcc", a=3.615, cubic=True).repeat((4, 4, 4))
    atoms.positions += np.random.default_rng(0).normal(0.0, 0.05, atoms.positions.shape)
    return atoms


def descriptors():
    """atomforge descriptors equal to the pyxtal_ff settings, and each one's map to pyxtal_ff columns."""
    from atomforge.descriptors import ACSF, EAD, WeightedACSF

    g2 = [(e, 0.0) for e in G2_ETAS]
    g4 = [(e, 1.0, lam) for lam in (-1.0, 1.0) for e in G4_ETAS]   # pyxtal_ff order: ζ, λ, η
    return {"acsf": ACSF(elements=["Cu"], rcut=RC, g2=g2, g4=g4, g5=[]),
            "wacsf": WeightedACSF(elements=["Cu"], rcut=RC, g2=g2, g4=g4, g5=[]),
            "ead": EAD(elements=["Cu"], rcut=RC, lmax=3, etas=[0.36], rs=EAD_RS)}


def best_of(f, repeats=REPEATS):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def max_relative(ours, ref):
    ours, ref = np.asarray(ours), np.asarray(ref)
    return float(np.abs(ours - ref).max() / np.abs(ref).max())


def compare(name, out, ref, n_atoms, rc):
    from atomforge.descriptors.ead import pyxtal_ff_features

    dense = np.zeros((n_atoms, n_atoms, out.n_features, 3))
    np.add.at(dense, (out.pairs[:, 0], out.pairs[:, 1]), out.grad)
    seq = ref[name + "_seq"]
    rows = dense[seq[:, 0], seq[:, 1]]
    values = out.values
    if name == "ead":
        values, rows = pyxtal_ff_features(values, 3, rc), pyxtal_ff_features(rows, 3, rc)
    other = seq[:, 0] != seq[:, 1]
    return {"values_max_rel_err": max_relative(values, ref[name + "_x"]),
            "grad_max_rel_err_offcenter_rows": max_relative(rows[other], ref[name + "_dxdr"][other]),
            "grad_max_rel_err_self_rows": max_relative(rows[~other], ref[name + "_dxdr"][~other])}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pyxtal-ff-python", default="/work/venvs/pyxtal_ff/bin/python")
    parser.add_argument("--reference-repeats", type=int, default=1)
    args = parser.parse_args()

    import numba

    import atomforge

    numba.set_num_threads(1)
    atoms = cu256()
    descs = descriptors()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        job = {"numbers": atoms.numbers.tolist(), "positions": atoms.positions.tolist(),
               "cell": atoms.cell.array.tolist(), "rc": RC, "repeats": args.reference_repeats,
               "settings": PYXTAL_FF}
        Path(tmp, "job.json").write_text(json.dumps(job))
        env = {**os.environ, "PYTHONPATH": ""}
        proc = subprocess.run([args.pyxtal_ff_python, "-c", WORKER, str(Path(tmp, "job.json")),
                               str(Path(tmp, "ref.npz"))], capture_output=True, text=True, env=env)
        if proc.returncode:
            sys.exit(f"pyxtal_ff run failed:\n{proc.stderr[-3000:]}")
        ref = dict(np.load(Path(tmp, "ref.npz")))
        version = subprocess.run([args.pyxtal_ff_python, "-c", "import pyxtal_ff; print(pyxtal_ff.__version__)"],
                                 capture_output=True, text=True, env=env).stdout.strip()
    for name, desc in descs.items():
        desc.compute(atoms, gradients=True)                 # warm-up (numba)
        t = best_of(lambda: desc.compute(atoms, gradients=True))
        t_values = best_of(lambda: desc.compute(atoms))
        out = desc.compute(atoms, gradients=True)
        t_ref = float(ref[name + "_t"])
        results.append({"task": f"{name} values + gradients", "descriptor": name,
                        "hyperparameters": desc.to_dict(), "n_features": desc.n_features,
                        "reference_settings": {**PYXTAL_FF[name], "Rc": RC, "cutoff": "cosine"},
                        "t_reference_s": t_ref, "t_atomforge_s": t, "t_atomforge_values_only_s": t_values,
                        "ratio": t_ref / t, **compare(name, out, ref, len(atoms), RC)})
    print(json.dumps({"system": "fcc Cu 4x4x4 cubic, a = 3.615 A, sigma = 0.05 A, seed 0",
                      "n_atoms": len(atoms), "reference": f"pyxtal_ff {version}", "threads": 1,
                      "results": results,
                      "versions": {"atomforge": atomforge.__version__, "numba": numba.__version__,
                                   "numpy": np.__version__, "python": platform.python_version()},
                      "cpu": platform.processor() or platform.machine()}))


if __name__ == "__main__":
    main()
