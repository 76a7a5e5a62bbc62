"""Checkpoints of a GRS run: JSON state plus the structures' arrays in one ``.npz`` (no pickle),
written atomically and tied to their inputs by a hash of the config and the target.

A checkpoint whose hash differs from the current inputs is refused, so a run never resumes
from a state that other settings produced.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
from ase import Atoms

from ..errors import ConfigError
from ..fileio import write_atomically

FORMAT_VERSION = 1


def inputs_hash(config: dict, target) -> str:
    """SHA-256 of the config (canonical JSON) and the target's content (:meth:`Target.digest`)."""
    h = hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode())
    h.update(target.digest().encode())
    return h.hexdigest()


def _pack(structures: list[Atoms]) -> dict[str, np.ndarray]:
    counts = np.array([len(a) for a in structures], dtype=np.int64)
    return {"counts": counts,
            "numbers": np.concatenate([a.numbers for a in structures]) if structures else np.zeros(0, np.int64),
            "positions": np.concatenate([a.positions for a in structures]) if structures else np.zeros((0, 3)),
            "cells": np.array([a.cell.array for a in structures]).reshape(-1, 3, 3),
            "pbc": np.array([a.pbc for a in structures], dtype=bool).reshape(-1, 3)}


def _unpack(data) -> list[Atoms]:
    out, start = [], 0
    for k, n in enumerate(data["counts"]):
        out.append(Atoms(numbers=data["numbers"][start:start + n], positions=data["positions"][start:start + n],
                         cell=data["cells"][k], pbc=data["pbc"][k]))
        start += n
    return out


def save_checkpoint(path, digest: str, state: dict, groups: dict[str, list[Atoms]]) -> None:
    """Write ``state`` (JSON-safe) and named lists of structures to ``path``, atomically."""
    arrays = {"header": np.array(json.dumps({"format": "atomforge-grs-checkpoint", "version": FORMAT_VERSION,
                                             "inputs": digest, "state": state, "groups": list(groups)}))}
    for name, structures in groups.items():
        arrays.update({f"{name}/{k}": v for k, v in _pack(structures).items()})
    write_atomically(path, lambda f: np.savez(f, **arrays))


def load_checkpoint(path, digest: str) -> tuple[dict, dict[str, list[Atoms]]]:
    """``(state, groups)`` of a checkpoint written for the same inputs; ConfigError otherwise."""
    path = Path(path)
    with np.load(path, allow_pickle=False) as data:
        header = json.loads(str(data["header"]))
        if header.get("format") != "atomforge-grs-checkpoint" or header.get("version", 0) > FORMAT_VERSION:
            raise ConfigError(f"{path}: not a GRS checkpoint this atomforge can read")
        if header["inputs"] != digest:
            raise ConfigError(f"{path}: checkpoint was written for other inputs (config or target changed); "
                              "delete it or run with --fresh to start over")
        groups = {}
        for name in header["groups"]:
            groups[name] = _unpack({k: data[f"{name}/{k}"] for k in ("counts", "numbers", "positions", "cells", "pbc")})
    return header["state"], groups
