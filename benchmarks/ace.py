"""Time the ACE descriptor (values + gradients) against python-ace, one thread each.

Structure: 256-atom perturbed fcc Cu (a = 3.615 Å, σ = 0.05 Å, seed 0); for 2 and 4 elements the
same positions with elements drawn at random (seed 1).

Cases
- "140": python-ace's own basis for Cu (``create_multispecies_basis_config`` with
  nradmax_by_orders [8, 4, 3, 2], lmax_by_orders [0, 3, 2, 1], ChebExpCos λ 5.25, rcut 5 Å,
  dcut 0.01 Å: 142 B functions, 141 after python-ace's conversion to the C-tilde ``.yace``).
  atomforge reads that ``.yace`` (``atomforge.lammps.yace.read_ace_descriptor``) and computes values + per-pair gradients;
  python-ace computes the same file's projections and ``forces_bfuncs`` (C-tilde evaluator), and
  the 142 B functions' projections and gradients (B evaluator). The reference time is the faster
  of the two python-ace evaluators, on a prebuilt atomic environment (neighbour list not timed);
  atomforge's time includes its neighbour list.
- "sg-<k>el": the structure-generation basis nmax [8, 2, 2, 1], lmax [0, 2, 2, 1], rcut 5 Å,
  λ = 0.25 (5 % of rc), for 1, 2 and 4 elements: atomforge's enumerated basis against python-ace's
  basis of the same per-rank limits (the same number of functions per element: 46, 226, 1,434).

Also: the agreement of atomforge's values and gradients with python-ace on the "140" basis, and the
gradient memory of a 10,000-atom Cu cell with that basis (n_rows × n_features × 3 × 8 bytes, and
the peak RSS of a fresh process). Best of 5 after a warm-up.

Run: ``PYTHONPATH=src python3 benchmarks/ace.py`` (prints one JSON object; needs python-ace:
``pip install --pre python-ace==0.4.0rc1``).
"""

from __future__ import annotations

import os

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import json  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

REPEATS = 5
ELEMENTS = ["Cu", "Ni", "Al", "Ag"]

MEMORY_SCRIPT = """
import resource, sys
import numpy as np
from ase.build import bulk
from atomforge.lammps.yace import read_ace_descriptor
a = bulk("Cu", "fcc", a=3.615).repeat((25, 20, 20))
a.positions += np.random.default_rng(0).normal(0.0, 0.05, a.positions.shape)
desc = read_ace_descriptor(sys.argv[1])
out = desc.compute(a, gradients=True)
print(len(a), out.grad.shape[0], out.grad.shape[1], out.grad.nbytes,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def structure(n_elements):
    from ase.build import bulk

    atoms = bulk("Cu", "fcc", a=3.615, cubic=True).repeat((4, 4, 4))
    atoms.positions += np.random.default_rng(0).normal(0.0, 0.05, atoms.positions.shape)
    if n_elements > 1:
        atoms.symbols = np.random.default_rng(1).choice(ELEMENTS[:n_elements], len(atoms))
    return atoms


def best_of(f):
    times = []
    for _ in range(REPEATS):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def pyace_basis(elements, nradmax, lmax, lam):
    """python-ace B basis (unit coefficients) from its own basis generator."""
    from pyace.basis import ACEBBasisSet
    from pyace.multispecies_basisextension import create_multispecies_basis_config

    config = create_multispecies_basis_config({
        "deltaSplineBins": 0.001, "elements": elements,
        "embeddings": {"ALL": {"npot": "FinnisSinclairShiftedScaled", "fs_parameters": [1, 1], "ndensity": 1}},
        "bonds": {"ALL": {"radbase": "ChebExpCos", "radparameters": [lam], "rcut": 5.0, "dcut": 0.01}},
        "functions": {"ALL": {"nradmax_by_orders": nradmax, "lmax_by_orders": lmax}}})
    blocks = []
    for block in config.funcspecs_blocks:
        block.set_func_coeffs(np.ones(len(block.get_func_coeffs())))
        blocks.append(block)
    config.funcspecs_blocks = blocks
    return ACEBBasisSet(config)


def pyace_timer(basis, evaluator_class, atoms):
    """A function computing projections + B gradients with python-ace, and the result getter."""
    from pyace.atomicenvironment import aseatoms_to_atomicenvironment
    from pyace.calculator import ACECalculator

    evaluator = evaluator_class(basis)
    calc = ACECalculator(evaluator)
    env = aseatoms_to_atomicenvironment(atoms, cutoff=5.0, elements_mapper_dict=basis.elements_to_index_map)

    def run():
        calc.compute(env, True, True)

    run()
    keep = (evaluator, env)  # the calculator holds raw pointers to these
    return run, lambda: (np.array(calc.projections), np.array(calc.forces_bfuncs), keep)


def case_140(tmp):
    from pyace.basis import ACECTildeBasisSet
    from pyace.evaluator import ACEBEvaluator, ACECTildeEvaluator

    from atomforge.lammps.yace import read_ace_descriptor

    atoms = structure(1)
    bbasis = pyace_basis(["Cu"], [8, 4, 3, 2], [0, 3, 2, 1], 5.25)
    path = os.path.join(tmp, "cu140.yace")
    bbasis.to_ACECTildeBasisSet().save_yaml(path)
    cbasis = ACECTildeBasisSet(path)
    run_b, _ = pyace_timer(bbasis, ACEBEvaluator, atoms)
    run_c, result_c = pyace_timer(cbasis, ACECTildeEvaluator, atoms)
    desc = read_ace_descriptor(path)
    out = desc.compute(atoms, gradients=True)
    t_ours = best_of(lambda: desc.compute(atoms, gradients=True))
    t_values = best_of(lambda: desc.compute(atoms))
    t_b, t_c = best_of(run_b), best_of(run_c)
    proj, forces_b, _ = result_c()
    total = np.zeros_like(forces_b)
    np.add.at(total, out.pairs[:, 1], out.grad)
    t_ref = min(t_b, t_c)
    return path, {
        "task": "ACE values + gradients", "system": "Cu256, python-ace basis nradmax [8,4,3,2] lmax [0,3,2,1]",
        "n_atoms": len(atoms), "n_features": desc.n_features, "n_pair_rows": int(out.grad.shape[0]),
        "reference": "python-ace ACECalculator projections + forces_bfuncs (faster of B and C-tilde evaluator, "
                     "prebuilt neighbour list)",
        "t_reference_s": t_ref, "t_atomforge_s": t_ours, "ratio": t_ours / t_ref,
        "t_pyace_B_evaluator_s": t_b, "t_pyace_Ctilde_evaluator_s": t_c, "t_atomforge_values_only_s": t_values,
        "max_abs_diff_values_over_max": float(np.abs(out.values - proj).max() / np.abs(proj).max()),
        "max_abs_diff_gradients_over_max": float(np.abs(total + forces_b).max() / np.abs(forces_b).max()),
        "agreement_note": "python-ace splines its radial functions on a 0.001 Å grid; pairs within dcut = 0.01 Å "
                          "of rc limit the agreement here (1e-8 with a 1e-4 Å grid: tests/descriptors/test_ace.py)",
    }


def case_structure_generation(n_elements):
    from pyace.evaluator import ACEBEvaluator

    from atomforge.descriptors import ACE

    atoms = structure(n_elements)
    elements = ELEMENTS[:n_elements]
    desc = ACE(elements=elements, nmax=[8, 2, 2, 1], lmax=[0, 2, 2, 1], rcut=5.0)
    desc.compute(atoms, gradients=True)
    t_ours = best_of(lambda: desc.compute(atoms, gradients=True))
    bbasis = pyace_basis(elements, [8, 2, 2, 1], [0, 2, 2, 1], 0.25)
    run_b, result_b = pyace_timer(bbasis, ACEBEvaluator, atoms)
    t_ref = best_of(run_b)
    n_ref = result_b()[0].shape[1]
    return {"task": "ACE values + gradients", "system": f"Cu256 positions, {n_elements} element(s), "
            "structure-generation basis nmax [8,2,2,1] lmax [0,2,2,1]", "n_atoms": len(atoms),
            "n_features": desc.n_features, "n_features_reference": int(n_ref),
            "reference": "python-ace B evaluator, its own basis of the same per-rank limits (prebuilt neighbour list)",
            "t_reference_s": t_ref, "t_atomforge_s": t_ours, "ratio": t_ours / t_ref}


def memory(path):
    env = dict(os.environ)
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "src")
    env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")])
    res = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, path], env=env, capture_output=True,
                         text=True, check=True)
    n_atoms, n_rows, n_features, grad_bytes, maxrss_kb = map(int, res.stdout.split())
    return {"system": "10,000-atom perturbed fcc Cu, the 141-function basis of case 140, gradients",
            "n_atoms": n_atoms, "n_pair_rows": n_rows, "n_features": n_features,
            "grad_GiB": grad_bytes / 2**30, "grad_GiB_formula": n_rows * n_features * 3 * 8 / 2**30,
            "peak_rss_GiB": maxrss_kb / 2**20}


def main():
    from importlib.metadata import version

    import ase
    import numba

    import atomforge

    numba.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        path, first = case_140(tmp)
        cases = [first] + [case_structure_generation(k) for k in (1, 2, 4)]
        mem = memory(path)
    print(json.dumps({
        "task": "ACE descriptor values + gradients vs python-ace, one thread each",
        "cases": cases, "max_ratio": max(c["ratio"] for c in cases), "memory": mem,
        "versions": {"atomforge": atomforge.__version__, "numba": numba.__version__,
                     "numpy": np.__version__, "ase": ase.__version__, "python-ace": version("python-ace")},
        "cpu": platform.processor() or platform.machine(), "threads": 1,
        "repeats": f"best of {REPEATS} after warm-up"}, indent=1))


if __name__ == "__main__":
    main()
