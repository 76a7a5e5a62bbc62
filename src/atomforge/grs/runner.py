"""``atomforge grs``: run a GRS search from a YAML config, with checkpoints, and write the results.

Outputs in the config's ``output`` folder: ``structures.xyz`` (extended XYZ, one frame per set
member, with its V, Q and Q_intra), ``history.json`` (V per step or generation, per member),
``target.npz``, ``report.json``, ``report.md`` with ``pca.png`` and ``histograms.png``, and
``checkpoint.npz`` (removed at the end). A run that stops (Ctrl-C, ``stop_after``) resumes from
the checkpoint when started again with the same config and target.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import yaml

from ..errors import ConfigError
from ..fileio import temporary_path, write_atomically
from .annealing import Annealer
from .checkpoint import inputs_hash, load_checkpoint, save_checkpoint
from .config import build_core, build_loss, build_search, build_set, candidate_maker, check_config
from .coverage import fit_pca
from .genetic import GeneticSearch
from .scoring import relax
from .sets import member_calculator
from .target import Target


def load_config(path) -> tuple[dict, Path]:
    """The parsed YAML config and its folder (the base of relative paths)."""
    path = Path(path)
    try:
        config = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as err:
        raise ConfigError(f"{path}: cannot read the GRS config ({err})") from None
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: a GRS config is a mapping of sections")
    check_config(config)
    return config, path.parent


def read_structures(path: Path, format: str | None, index: str) -> list:
    """Frames of a target file: data-set formats through :func:`read_frames`, any other (extended
    XYZ, POSCAR, ...: no energies needed) through ``ase.io.read``, each validated."""
    import ase.io

    from ..data import Frame, validate_frame
    from ..data.io import FORMATS, detect_format, read_frames

    kind = format or detect_format(path)
    if kind in FORMATS and kind != "ase":
        return list(read_frames(path, format=kind))
    images = ase.io.read(path, index=index, **({"format": format} if format else {}))
    return [validate_frame(Frame(a, source=f"{path}:{k}"), index=k, require_energy=False)
            for k, a in enumerate(images if isinstance(images, list) else [images])]


def build_target(config: dict, base: Path):
    """``(descriptor, target)`` from the ``descriptor`` and ``target`` sections."""
    from ..descriptors import make_descriptor

    spec = config["target"]
    if "file" in spec:
        target = Target.load(base / spec["file"])
        dspec = dict(target.descriptor)
        dspec.update(config.get("descriptor") or {})
        return make_descriptor(dspec), target
    if "structures" not in spec:
        raise ConfigError("GRS config: target needs 'structures' (files) or 'file' (a saved target)")
    frames = []
    for name in spec["structures"]:
        frames.extend(read_structures(base / name, spec.get("format"), spec.get("index", ":")))
    dspec = {"name": "ace", **(config.get("descriptor") or {})}
    if "elements" not in dspec:
        dspec["elements"] = sorted({s for f in frames for s in f.atoms.get_chemical_symbols()})
    descriptor = make_descriptor(dspec)
    return descriptor, Target.from_structures(descriptor, frames)


def _write_xyz(path: Path, members, infos) -> None:
    import ase.io

    images = []
    for atoms, info in zip(members, infos):
        a = atoms.copy()
        a.info.update(info)
        images.append(a)
    tmp = temporary_path(path)
    try:
        ase.io.write(tmp, images, format="extxyz")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _new_search(method, calc, anneal, genetic, elements, initial, rng):
    """An annealer from ``initial[0]`` or a genetic search from the population ``initial``."""
    if method == "anneal":
        return Annealer(calc, anneal, elements, initial[0], rng)
    return GeneticSearch(calc, genetic, elements, initial, rng)


def run_grs(config_path, *, fresh: bool = False, stop_after: int | None = None, echo=None) -> dict:
    """Run (or resume) the search of ``config_path``; returns the report dict.

    Parameters
    ----------
    fresh : bool
        Ignore (and replace) an existing checkpoint.
    stop_after : int, optional
        Stop, with a checkpoint, after this many chunks of ``checkpoint_every`` steps; None: to the end.
    echo : callable, optional
        Receives one progress line at a time.
    """
    config, base = load_config(config_path)
    out = base / config.get("output", "grs_out")
    out.mkdir(parents=True, exist_ok=True)
    descriptor, target = build_target(config, base)
    make = candidate_maker(config, base, target.density)
    n_scale = int(config["target"].get("scale_candidates", 0))
    if n_scale > 0:  # own stream: the search's draws do not depend on it
        r = np.random.default_rng([int(config.get("seed", 0)), 1])
        target = target.with_scale(np.concatenate([descriptor.compute(make(r)).values for _ in range(n_scale)]))
    target.save(out / "target.npz")
    digest = inputs_hash(config, target)
    loss, core = build_loss(config), build_core(config, target)
    set_settings, cap = build_set(config)
    method, anneal, genetic, final_relax = build_search(config)
    every = int(config.get("checkpoint_every", 100))
    rng = np.random.default_rng(int(config.get("seed", 0)))
    ckpt = out / "checkpoint.npz"
    members, histories, search = [], [], None
    if ckpt.exists() and not fresh:
        state, groups = load_checkpoint(ckpt, digest)
        members, histories = groups["members"], state["histories"]
        rng.bit_generator.state = state["rng"]
        resume = state["search"]
        if echo:
            echo(f"resuming from {ckpt}: {len(members)} member(s) done")
    else:
        resume = None
    elements = list(target.elements)
    outputs = [descriptor.compute(m) for m in members]
    chunks = 0
    t0 = time.perf_counter()

    def checkpoint(search_state):
        meta, structures = search_state if search_state else (None, [])
        save_checkpoint(ckpt, digest, {"histories": histories, "rng": rng.bit_generator.state, "search": meta},
                        {"members": members, "search": structures})

    while len(members) < set_settings.n_structures:
        calc = member_calculator(descriptor, target, set_settings, outputs, core=core, loss=loss, reverse_cap=cap,
                                 pca=fit_pca(target.values) if set_settings.loss == "entropy" else None)
        if method == "relax":
            best = relax(make(rng), calc, **(final_relax or {}))
            history = []
        else:
            if resume is not None:
                meta, structures = resume, groups["search"]
                search = _new_search(method, calc, anneal, genetic, elements, structures, rng)
                search.restore(meta, structures)
                resume = None
            else:
                n_start = 1 if method == "anneal" else genetic.population
                search = _new_search(method, calc, anneal, genetic, elements, [make(rng) for _ in range(n_start)], rng)
            while not search.done:
                search.run(every)
                chunks += 1
                if echo:
                    label = "step" if method == "anneal" else "generation"
                    done = search.step if method == "anneal" else search.generation
                    echo(f"member {len(members) + 1}/{set_settings.n_structures} {label} {done}: "
                         f"best V = {search.history[-1][-2 if method == 'anneal' else 1]:.6g}")
                checkpoint(search.state())
                if stop_after is not None and chunks >= stop_after and not search.done:
                    return {"stopped": True, "members": len(members)}
            best = search.best if method == "anneal" else search.best[0]
            history = search.history
            if final_relax:
                best = relax(best, calc, **final_relax)
        members.append(best)
        histories.append(history)
        outputs.append(descriptor.compute(best))
        checkpoint(None)
    report = _finish(out, config, descriptor, target, members, outputs, histories, loss, core, set_settings,
                     cap, time.perf_counter() - t0)
    ckpt.unlink(missing_ok=True)
    return report


def _finish(out, config, descriptor, target, members, outputs, histories, loss, core, set_settings, cap, wall):
    from .coverage import coverage, moment_errors
    from .effective import GRSCalculator
    from .report import write_report

    infos = []
    for k, atoms in enumerate(members):
        others = [(o.values, o.numbers) for j, o in enumerate(outputs) if j != k]
        calc = GRSCalculator(descriptor, target, w1=set_settings.w1, w2=set_settings.w2, loss=loss,
                             core=core, others=others, reverse_cap=cap)
        a = atoms.copy()
        a.calc = calc
        v = a.get_potential_energy()
        infos.append({"grs_member": k, "grs_V": float(v), "grs_Q": float(calc.results["q"]),
                      "grs_Q_intra": float(calc.results["q_intra"])})
    _write_xyz(out / "structures.xyz", members, infos)
    write_atomically(out / "history.json", lambda f: json.dump({"histories": histories}, f), mode="w")
    values = np.concatenate([o.values for o in outputs])
    numbers = np.concatenate([o.numbers for o in outputs])
    report = {"n_structures": len(members), "n_atoms": [len(m) for m in members], "members": infos,
              "set_moment_errors": moment_errors(values, numbers, target, loss),
              "coverage": coverage(target, values),
              "target": {"elements": target.elements, "n_structures": target.n_structures,
                         "n_atoms": int(target.counts.sum()), "density": target.density},
              "descriptor": {"name": descriptor.name, "n_features": target.n_features},
              "wall_s": wall}
    write_report(out, report, target, values, numbers)
    return report
