"""The YAML config of ``atomforge grs`` and the objects it builds.

Sections (all optional except ``target`` and ``candidates``)::

    seed: 0
    output: grs_out                   # folder, relative to the config file
    descriptor: {name: ace, rcut: 5.0}   # any registered descriptor; elements default to the target's
    target: {structures: [data.xyz], index: ":"}   # or {file: target.npz}; paths relative to the config
                # scale_candidates: 20 → the loss's unit is the spread over 20 random candidates (a crystal target)
    candidates: {kind: lattice, parent: Cu.xyz, repeat: [2, 2, 2], composition: {Au: 0.25, Cu: 0.75}}
                # kind: lattice (parent: a file or {bulk: {name: Cu, crystalstructure: fcc, a: 3.6, cubic: true}},
                #       repeat: [n1, n2, n3] or hnf: n_cells or n_atoms (a random HNF supercell of that many
                #       atoms, Niggli-reduced; with n_atoms, density: a number or a list as for packing);
                #       strain: {volume: 0.03, shear: 0.03} (random homogeneous strain, components uniform
                #       in ±), rattle: 0.05 (Å, Gaussian); both off unless given)
                #     | packing (n_atoms, composition, density: a number or a list, one drawn per candidate)
                #     | mixture (generators: [{weight: 0.5, kind: lattice, ...}, {weight: 0.5, kind: packing, ...}]:
                #       each candidate from one generator drawn ∝ weight)
    loss: {alpha: [1, 1, 1, 1], kind: squared, normalize: true, floor: 0.01, composition_weight: 1.0}
    core: {epsilon: 1.0, scale: 0.8}  # scale: target puts σ at 0.95 × the target's shortest distance
    set: {n_structures: 1, w1: 1.0, w2: 0.0, loss: moments, reverse_cap: 10.0}
    search: {method: anneal, anneal: {...}, genetic: {...}, relax: {fmax: 0.01, steps: 100, cell: false}}
                # anneal: {n_steps, beta_start, beta_end, moves: {flip: 1.0}, calibrate, proposal: uniform,
                #          proposal_floor: 0.1}; proposal: loss_weighted draws flip/swap sites ∝ each atom's
                #          loss weight + floor·mean (Metropolis–Hastings; moment loss only, not set.loss entropy);
                #          reheat_after: K > 0 sets β to reheat_beta for reheat_steps moves after K rejections in a row
    executor: serial                  # or process / dask (population scoring)
    n_workers: null
    address: null                     # Dask scheduler, e.g. tcp://host:8786 (else a local cluster per call)
    checkpoint_every: 100             # annealing steps or genetic generations between checkpoints
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import ConfigError
from ..hyperparameters import check_keys
from .annealing import AnnealSettings
from .candidates import (mixture, random_hnf_supercell, random_occupation, random_packing, strain_and_rattle,
                         strained_supercell, supercell)
from .core import RepulsiveCore
from .genetic import GeneticSettings
from .loss import MomentLoss
from .sets import SetSettings

SECTIONS = ("seed", "output", "descriptor", "target", "candidates", "loss", "core", "set", "search",
            "executor", "n_workers", "address", "checkpoint_every")
METHODS = ("anneal", "genetic", "relax")
CANDIDATE_KEYS = ("kind", "parent", "repeat", "hnf", "composition", "n_atoms", "density", "strain", "rattle",
                  "generators", "weight")


def _section(config: dict, key: str, allowed) -> dict:
    value = config.get(key) or {}
    if not isinstance(value, dict):
        raise ConfigError(f"GRS config: section {key!r} must be a mapping, got {value!r}")
    check_keys(f"GRS config section {key!r}", value, allowed, what="key")
    return dict(value)


def _fields(cls) -> list[str]:
    return list(cls.__dataclass_fields__)


def check_config(config: dict) -> None:
    """Refuse unknown sections and keys (with "did you mean"), and missing required sections."""
    check_keys("GRS config", config, SECTIONS, what="section")
    for key in ("target", "candidates"):
        if key not in config:
            raise ConfigError(f"GRS config: section {key!r} is required")
    _section(config, "target", ("structures", "file", "index", "format", "scale_candidates"))
    _generators(_section(config, "candidates", CANDIDATE_KEYS))
    _section(config, "loss", _fields(MomentLoss))
    scale = _section(config, "core", _fields(RepulsiveCore)).get("scale", RepulsiveCore.scale)
    if scale != "target" and not (isinstance(scale, (int, float)) and scale > 0):
        raise ConfigError(f"GRS config: core.scale must be a positive number or 'target', got {scale!r}")
    _section(config, "set", _fields(SetSettings)[:4] + ["reverse_cap"])
    search = _section(config, "search", ("method", "anneal", "genetic", "relax"))
    if search.get("method", "anneal") not in METHODS:
        raise ConfigError(f"GRS config: search.method must be one of {list(METHODS)}, got {search['method']!r}")
    anneal = _section(search, "anneal", _fields(AnnealSettings))
    if anneal.get("proposal") == "loss_weighted" and (config.get("set") or {}).get("loss") == "entropy":
        raise ConfigError("GRS config: search.anneal.proposal 'loss_weighted' needs per-atom loss weights, "
                          "which the entropy loss (set.loss: entropy) has not; use proposal 'uniform'")
    _section(search, "genetic", [f for f in _fields(GeneticSettings) if f not in ("executor", "n_workers", "address")])
    _section(search, "relax", ("fmax", "steps", "cell", "optimizer"))


def build_loss(config: dict) -> MomentLoss:
    spec = _section(config, "loss", _fields(MomentLoss))
    if "alpha" in spec:
        spec["alpha"] = tuple(spec["alpha"])
    return MomentLoss(**spec)


def build_core(config: dict, target) -> RepulsiveCore:
    """The core of ``config``; ``scale: target``: clear of ``target``'s shortest distance."""
    spec = _section(config, "core", _fields(RepulsiveCore))
    if spec.get("scale") == "target":
        return RepulsiveCore.clear_of(target.shortest, target.elements, epsilon=spec.get("epsilon", RepulsiveCore.epsilon))
    return RepulsiveCore(**spec)


def build_search(config: dict) -> tuple[str, AnnealSettings, GeneticSettings, dict | None]:
    """``(method, anneal settings, genetic settings, final relax kwargs or None)``."""
    search = config.get("search") or {}
    genetic = dict(search.get("genetic") or {})
    genetic.update(executor=config.get("executor", "serial"), n_workers=config.get("n_workers"),
                   address=config.get("address"))
    return (search.get("method", "anneal"), AnnealSettings(**(search.get("anneal") or {})),
            GeneticSettings(**genetic), search.get("relax"))


def _parent(spec, base: Path):
    import ase.io
    from ase.build import bulk

    if isinstance(spec, dict) and "bulk" in spec:
        return bulk(**spec["bulk"])
    if isinstance(spec, str):
        return ase.io.read(base / spec)
    raise ConfigError(f"GRS config: candidates.parent must be a file or {{bulk: {{...}}}}, got {spec!r}")


def _generators(spec: dict) -> list[dict]:
    """The ``generators`` of a candidates section (empty if none), each a mapping of known keys."""
    gens = spec.get("generators") or []
    for k, g in enumerate(gens):
        if not isinstance(g, dict):
            raise ConfigError(f"GRS config: candidates.generators[{k}] must be a mapping, got {g!r}")
        check_keys(f"GRS config candidates.generators[{k}]", g, CANDIDATE_KEYS, what="key")
    return gens


def _densities(value) -> list[float] | None:
    """A ``density`` entry (a number or a list, atoms/Å³) as a list; None stays None."""
    if value is None:
        return None
    return [float(r) for r in value] if isinstance(value, (list, tuple)) else [float(value)]


def _pick(values: list, rng):
    """One of ``values``, drawn uniformly (no draw from ``rng`` when there is only one)."""
    return values[0] if len(values) == 1 else values[int(rng.integers(len(values)))]


def candidate_maker(config: dict, base: Path, density: float):
    """A function rng → starting structure, from the ``candidates`` section."""
    return _maker(_section(config, "candidates", CANDIDATE_KEYS), base, density)


def _maker(spec: dict, base: Path, density: float, *, nested: bool = False):
    kind = spec.get("kind", "lattice")
    composition = spec.get("composition")
    if kind == "mixture":
        if nested:
            raise ConfigError("GRS config: a candidate mixture cannot hold another mixture")
        gens = spec.get("generators")
        if not isinstance(gens, list) or not gens:
            raise ConfigError("GRS config: candidates of kind 'mixture' need a non-empty list 'generators'")
        return mixture([(f"{k}:{g.get('kind', 'lattice')}", float(g.get("weight", 1.0)),
                         _maker(g, base, density, nested=True)) for k, g in enumerate(_generators(spec))])
    if kind == "lattice":
        parent = _parent(spec.get("parent"), base)
        strain = dict(spec.get("strain") or {})
        check_keys("GRS config candidates.strain", strain, ("volume", "shear"), what="key")
        strain = {"volume": float(strain.get("volume", 0.0)), "shear": float(strain.get("shear", 0.0)),
                  "rattle": float(spec.get("rattle", 0.0))}
        if "n_atoms" in spec:
            n_atoms = int(spec["n_atoms"])
            rhos = _densities(spec.get("density"))

            def lattice(rng):
                return strained_supercell(parent, n_atoms, rng, density=None if rhos is None else _pick(rhos, rng),
                                          **strain)
        else:
            if "hnf" in spec:
                def base_lattice(rng):
                    return random_hnf_supercell(parent, int(spec["hnf"]), rng)
            else:
                fixed = supercell(parent, np.diag(spec.get("repeat", [1, 1, 1])))

                def base_lattice(rng):
                    return fixed.copy()
            if any(strain.values()):
                def lattice(rng):
                    return strain_and_rattle(base_lattice(rng), rng, **strain)
            else:
                lattice = base_lattice
        if composition is None:
            return lattice
        return lambda rng: random_occupation(lattice(rng), composition, rng)
    if kind == "packing":
        if composition is None or "n_atoms" not in spec:
            raise ConfigError("GRS config: candidates of kind 'packing' need 'composition' and 'n_atoms'")
        rhos = _densities(spec.get("density", density))
        n = int(spec["n_atoms"])
        return lambda rng: random_packing(composition, n, _pick(rhos, rng), rng)
    raise ConfigError(f"GRS config: candidates.kind must be 'lattice', 'packing' or 'mixture', got {kind!r}")


def build_set(config: dict) -> tuple[SetSettings, float]:
    """Set settings and the reverse cap."""
    spec = _section(config, "set", _fields(SetSettings)[:4] + ["reverse_cap"])
    cap = float(spec.pop("reverse_cap", 10.0))
    spec.setdefault("w1", 1.0)
    spec.setdefault("w2", 0.0)
    return SetSettings(**spec, relax=None), cap
