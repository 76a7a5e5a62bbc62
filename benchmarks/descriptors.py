"""Time every registered descriptor's values + gradients against named references, one thread each.

System: 256-atom perturbed fcc Cu (a = 3.615 Å, 4×4×4 cubic, σ = 0.05 Å Gaussian displacements,
seed 1). Each row of ``SETTINGS`` gives a descriptor's hyperparameters and its references (the
ACSF/wACSF/EAD rows use pyxtal_ff's Si example settings; their values equal pyxtal_ff's to 1e-14,
tested in tests/descriptors/test_acsf.py and test_ead.py):

* ``lammps``: LAMMPS ML-IAP with the same descriptor file (written by ``atomforge.lammps.mliap``),
  through its faster route of two, both timed: ``pair_style mliap`` (descriptors and their
  gradients contracted with the model, every ``run 1``) and ``compute mliap`` (descriptors and
  per-parameter force rows, invoked by thermo every ``run 1``); ``neighbor 0.0 bin``.
* ``featomic``: featomic's SOAP power spectrum with position gradients (GTO radial basis).
* ``pyxtal_ff``: pyxtal_ff 0.2.3 with derivatives, run in its own venv by a subprocess of
  ``$ATOMFORGE_PYXTAL_FF_PYTHON`` (default ``/work/venvs/pyxtal_ff/bin/python``; see ORACLES.md).

atomforge: ``descriptor.compute(atoms, gradients=True)`` (neighbour list included; LAMMPS' pair route
reuses its list). Each timing: one warm-up call, then calls until ``--budget`` seconds (default 1)
have passed (at least one), best of them. ratio = t_reference / t_atomforge (> 1: atomforge faster);
``target`` is the least ratio asked for. A registered descriptor without a row is timed with its
defaults and no reference. Add a row to give it references.

Run: ``PYTHONPATH=src python3 benchmarks/descriptors.py [--out benchmarks/results/descriptors.json]``
(prints one JSON object).
"""

from __future__ import annotations

import os

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "RAYON_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from importlib.metadata import PackageNotFoundError, version  # noqa: E402

import numpy as np  # noqa: E402

PYXTAL_FF_PYTHON = os.environ.get("ATOMFORGE_PYXTAL_FF_PYTHON", "/work/venvs/pyxtal_ff/bin/python")
G2_ETAS = [0.035709, 0.071418, 0.178545, 0.35709, 0.71418, 1.78545]
G4_ETAS = [0.035709, 0.071418, 0.178545, 0.35709]
ACSF_PARAMETERS = {"G2": {"eta": G2_ETAS, "Rs": [0.0]}, "G4": {"eta": G4_ETAS, "lambda": [-1, 1], "zeta": [1]}}
EAD_RS = [0.0, 0.75, 1.5, 2.25, 3.0, 3.75, 4.5]

#: descriptor name → atomforge hyperparameters (besides elements) and reference settings.
SETTINGS = {
    "so3": {"hyperparameters": dict(nmax=4, lmax=3, alpha=2.0, rcutfac=4.7),
            "lammps": {"target": 1.0},
            "featomic": {"target": 1.0, "max_radial": 3, "max_angular": 3, "radius": 4.7,
                         "gaussian_width": 0.5},                       # α = 1 / (2 σ²) = 2
            "pyxtal_ff": {"target": 20.0, "class": "SO3",
                          "kwargs": dict(nmax=4, lmax=3, rcut=4.7, alpha=2.0)}},
    "snap": {"hyperparameters": dict(twojmax=6, rcutfac=4.7, bzeroflag=0),
             "lammps": {"target": None},                              # see snap_vs_lammps.py
             "pyxtal_ff": {"target": 20.0, "class": "SO4", "kwargs": dict(lmax=3, rcut=4.7)}},
    # ACSF, wACSF, EAD: pyxtal_ff's Si examples (bp-NN.py, eamd-NN.py with L = 3), r_c 5 Å, cosine cutoff
    "acsf": {"hyperparameters": dict(rcut=5.0, g2=[(eta, 0.0) for eta in G2_ETAS],
                                     g4=[(eta, 1.0, lam) for lam in (-1.0, 1.0) for eta in G4_ETAS], g5=[]),
             "pyxtal_ff": {"target": 20.0, "class": "ACSF", "args": [ACSF_PARAMETERS, 5.0],
                           "kwargs": dict(stress=False, cutoff="cosine")}},
    "wacsf": {"hyperparameters": dict(rcut=5.0, g2=[(eta, 0.0) for eta in G2_ETAS],
                                      g4=[(eta, 1.0, lam) for lam in (-1.0, 1.0) for eta in G4_ETAS], g5=[]),
              "pyxtal_ff": {"target": 20.0, "class": "ACSF", "args": [ACSF_PARAMETERS, 5.0],
                            "kwargs": dict(stress=False, cutoff="cosine", atom_weighted=True)}},
    "ead": {"hyperparameters": dict(rcut=5.0, lmax=3, etas=[0.36], rs=EAD_RS),
            "pyxtal_ff": {"target": 20.0, "class": "EAD", "args": [{"L": 3, "eta": [0.36], "Rs": EAD_RS}, 5.0],
                          "kwargs": dict(stress=False, cutoff="cosine")}},
    # ACE: the structure-generation basis; benchmarks/ace.py times it against python-ace
    "ace": {"hyperparameters": dict(nmax=[8, 2, 2, 1], lmax=[0, 2, 2, 1], rcut=5.0)},
}

PYXTAL_FF_SCRIPT = r"""
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import numpy as np
from ase import Atoms
job = json.load(sys.stdin)
atoms = Atoms(job["symbols"], positions=job["positions"], cell=job["cell"], pbc=True)
if job["class"] == "SO3":
    from pyxtal_ff.descriptors.SO3 import SO3 as cls
elif job["class"] == "SO4":
    from pyxtal_ff.descriptors.SO4 import SO4_Bispectrum as cls
elif job["class"] == "ACSF":
    from pyxtal_ff.descriptors.ACSF import ACSF as cls
else:
    from pyxtal_ff.descriptors.EAD import EAD as cls
calc = cls(*job["args"], derivative=True, **job["kwargs"])
out = calc.calculate(atoms)
times, start = [], time.perf_counter()
while not times or time.perf_counter() - start < job["budget"]:
    t = time.perf_counter(); calc.calculate(atoms); times.append(time.perf_counter() - t)
print(json.dumps({"t_s": min(times), "repeats": len(times), "values": np.asarray(out["x"]).tolist()}))
"""


def cu256():
    from ase.build import bulk

    atoms = bulk("Cu", "fcc", a=3.615, cubic=True).repeat((4, 4, 4))
    atoms.positions += np.random.default_rng(1).normal(0.0, 0.05, atoms.positions.shape)
    return atoms


def best_time(f, budget: float) -> tuple[float, int]:
    """Best of the calls made in ``budget`` seconds (at least one) after one warm-up call."""
    f()
    times, start = [], time.perf_counter()
    while not times or time.perf_counter() - start < budget:
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times), len(times)


@contextlib.contextmanager
def quiet_stdout():
    """Send file descriptor 1 to /dev/null (``compute mliap`` writes to C++ std::cout)."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def time_lammps(descriptor, atoms, budget):
    """Seconds per evaluation of LAMMPS ML-IAP's pair and compute routes, same descriptor file."""
    from atomforge.lammps.mliap import descriptor_file
    from atomforge.lammps.session import LammpsSession

    style, text = descriptor_file(descriptor, ["Cu"])
    n = descriptor.n_features
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.mliap.descriptor")
        model = os.path.join(tmp, "bench.mliap.model")
        with open(path, "w") as f:
            f.write(text)
        with open(model, "w") as f:
            f.write(f"1 {n + 1}\n" + "".join(f"{0.01 * (k % 7)!r}\n" for k in range(n + 1)))
        routes = {
            "pair_style mliap": [f"pair_style mliap model linear {model} descriptor {style} {path}",
                                 "pair_coeff * * Cu", "thermo_style custom step pe"],
            "compute mliap": [f"pair_style zero {descriptor.cutoff + 0.01!r}", "pair_coeff * *",
                              f"compute m all mliap descriptor {style} {path} model linear",
                              "thermo_style custom step c_m[1][2]"],
        }
        for route, commands in routes.items():
            with quiet_stdout(), LammpsSession(atoms, ["Cu"]) as s:
                s.commands(["neighbor 0.0 bin", "thermo 1"] + commands)
                s.run0()
                t, k = best_time(lambda: s.command("run 1 pre no post no"), budget)
            out[route] = {"t_s": t, "repeats": k}
    best = min(out, key=lambda r: out[r]["t_s"])
    return {"name": f"LAMMPS ML-IAP {style} ({best}, serial)", "t_s": out[best]["t_s"],
            "routes": out}


def time_featomic(atoms, s, budget):
    try:
        import featomic
    except ImportError:
        return {"name": "featomic", "skipped": "not installed (pip install featomic==0.6.7)"}

    calc = featomic.SoapPowerSpectrum(
        cutoff={"radius": s["radius"], "smoothing": {"type": "ShiftedCosine", "width": 0.5}},
        density={"type": "Gaussian", "width": s["gaussian_width"]},
        basis={"type": "TensorProduct", "max_angular": s["max_angular"],
               "radial": {"type": "Gto", "max_radial": s["max_radial"]}})
    t, k = best_time(lambda: calc.compute(atoms, gradients=["positions"]), budget)
    return {"name": f"featomic {featomic.__version__} SoapPowerSpectrum + position gradients "
                    f"(n {s['max_radial'] + 1}, l {s['max_angular']})", "t_s": t, "repeats": k}


def time_pyxtal_ff(atoms, s, budget):
    if not os.path.exists(PYXTAL_FF_PYTHON):
        return {"name": f"pyxtal_ff {s['class']}", "skipped": f"{PYXTAL_FF_PYTHON} not found (set "
                "ATOMFORGE_PYXTAL_FF_PYTHON; install recipe in ORACLES.md)"}
    job = {"symbols": atoms.get_chemical_symbols(), "positions": atoms.positions.tolist(),
           "cell": atoms.cell.array.tolist(), "class": s["class"], "args": s.get("args", []),
           "kwargs": s["kwargs"], "budget": budget}
    res = subprocess.run([PYXTAL_FF_PYTHON, "-c", PYXTAL_FF_SCRIPT], input=json.dumps(job),
                         capture_output=True, text=True, env=dict(os.environ), timeout=3600)
    if res.returncode != 0:
        return {"name": f"pyxtal_ff {s['class']}", "skipped": "failed: " + res.stderr.strip()[-500:]}
    out = json.loads(res.stdout.strip().splitlines()[-1])
    return {"name": f"pyxtal_ff 0.2.3 {s['class']} {s.get('args', '')} {s['kwargs']} with derivatives",
            "t_s": out["t_s"], "repeats": out["repeats"], "values": np.array(out["values"])}


def time_row(name, cls, atoms, budget):
    row = SETTINGS.get(name, {"hyperparameters": {}})
    descriptor = cls(elements=["Cu"], **row["hyperparameters"])
    t, k = best_time(lambda: descriptor.compute(atoms, gradients=True), budget)
    result = {"descriptor": name, "hyperparameters": descriptor.to_dict(),
              "n_features": descriptor.n_features, "t_atomforge_s": t, "repeats": k,
              "references": {}}
    if name not in SETTINGS:
        result["note"] = "no row in SETTINGS: defaults, no reference"
    timers = {"lammps": lambda s: time_lammps(descriptor, atoms, budget),
              "featomic": lambda s: time_featomic(atoms, s, budget),
              "pyxtal_ff": lambda s: time_pyxtal_ff(atoms, s, budget)}
    for ref, timer in timers.items():
        if ref not in row:
            continue
        out = timer(row[ref])
        values = out.pop("values", None)
        if values is not None and name == "so3":   # pyxtal_ff weights neighbours by Z = 29
            ours = cls(elements=["Cu"], **{**row["hyperparameters"], "weights": [29.0]}).compute(atoms).values
            out["max_rel_diff_values_vs_atomforge_weights_29"] = float(
                np.abs(values - ours).max() / np.abs(ours).max())
        if "t_s" in out:
            out["ratio"] = out["t_s"] / t
            out["target"] = row[ref]["target"]
            out["met"] = None if out["target"] is None else bool(out["ratio"] >= out["target"])
        result["references"][ref] = out
    return result


def _version(package):
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=1.0, help="seconds of repeats per timing")
    parser.add_argument("--only", nargs="*", help="descriptor names (default: all registered)")
    parser.add_argument("--out", help="also write the JSON to this file (atomically), e.g. "
                                      "benchmarks/results/descriptors.json")
    args = parser.parse_args()

    import numba

    import atomforge
    from atomforge.descriptors import DESCRIPTORS

    numba.set_num_threads(1)
    atoms = cu256()
    names = args.only or list(DESCRIPTORS)
    rows = [time_row(name, DESCRIPTORS[name], atoms, args.budget) for name in names]
    targets = [(r["descriptor"], ref, v["ratio"], v["target"]) for r in rows
               for ref, v in r["references"].items() if v.get("target") is not None]
    doc = {
        "task": "descriptor values + gradients, one thread each",
        "system": "Cu256: fcc Cu a = 3.615 Å, 4x4x4 cubic, σ = 0.05 Å, seed 1", "n_atoms": len(atoms),
        "rows": rows,
        "targets_met": all(r >= tgt for _, _, r, tgt in targets),
        "targets_missed": [f"{d} vs {ref}: ratio {r:.3g} < {tgt}" for d, ref, r, tgt in targets if r < tgt],
        "versions": {"atomforge": atomforge.__version__, "numba": numba.__version__,
                     "numpy": np.__version__, "lammps": _version("lammps"),
                     "featomic": _version("featomic")},
        "cpu": platform.processor() or platform.machine(), "threads": 1,
        "load_average_at_end": os.getloadavg(),
        "timing": f"warm-up, then repeats for {args.budget} s (at least one), best of them"}
    text = json.dumps(doc, indent=1)
    print(text)
    if args.out:
        from atomforge.fileio import write_atomically

        write_atomically(args.out, lambda f: f.write((text + "\n").encode()))


if __name__ == "__main__":
    sys.exit(main())
