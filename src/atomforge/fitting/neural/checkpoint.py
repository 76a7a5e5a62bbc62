"""Training checkpoints as arrays and JSON: no pickle (``torch.save`` would pickle), written atomically.

A checkpoint is one ``.npz`` file read with ``allow_pickle=False``: the JSON of a nested state
(dicts, lists, numbers, strings) is stored as the bytes of array ``__state__``, in which every
array or torch tensor is replaced by ``{"__array__": "a<k>"}`` naming an array of the file, and
every dict by ``{"__dict__": [[key, value], ...]}`` so that integer keys (as in a torch
optimiser's ``state_dict``) come back as integers. Tensors come back as tensors, arrays as arrays,
with their dtypes, bit for bit.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ...errors import ConfigError
from ...fileio import write_atomically

FORMAT = "atomforge-nn-checkpoint"


def _pack(obj, arrays: dict):
    if type(obj).__module__.startswith("torch"):
        key = f"a{len(arrays)}"
        arrays[key] = obj.detach().cpu().numpy().copy()
        return {"__array__": key, "torch": True}
    if isinstance(obj, np.ndarray):
        key = f"a{len(arrays)}"
        arrays[key] = obj
        return {"__array__": key, "torch": False}
    if isinstance(obj, dict):
        return {"__dict__": [[k, _pack(v, arrays)] for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        return [_pack(v, arrays) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def _unpack(obj, arrays):
    if isinstance(obj, dict):
        if "__array__" in obj:
            a = arrays[obj["__array__"]]
            if obj["torch"]:
                import torch

                return torch.from_numpy(np.array(a))
            return np.array(a)
        return {k: _unpack(v, arrays) for k, v in obj["__dict__"]}
    if isinstance(obj, list):
        return [_unpack(v, arrays) for v in obj]
    return obj


def write_checkpoint(path: str | Path, state: dict, fingerprint: str) -> None:
    """Write ``state`` (nested dicts/lists of numbers, strings, arrays, tensors) to ``path`` atomically."""
    arrays: dict[str, np.ndarray] = {}
    packed = {"format": FORMAT, "fingerprint": fingerprint, "state": _pack(state, arrays)}
    arrays["__state__"] = np.frombuffer(json.dumps(packed).encode(), dtype=np.uint8)
    write_atomically(path, lambda f: np.savez(f, **arrays))


def read_checkpoint(path: str | Path, fingerprint: str) -> dict:
    """The state written by :func:`write_checkpoint`; refuses another fit's checkpoint or another file."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        packed = json.loads(arrays.pop("__state__").tobytes().decode())
    except (OSError, ValueError, KeyError) as err:
        raise ConfigError(f"{path}: not a readable training checkpoint ({err}); delete it to start afresh") from err
    if packed.get("format") != FORMAT:
        raise ConfigError(f"{path}: not an atomforge neural-network checkpoint; delete it to start afresh")
    if packed["fingerprint"] != fingerprint:
        raise ConfigError(f"{path}: checkpoint of another fit (training data or settings differ); "
                          "delete it to start afresh, or set training.checkpoint elsewhere")
    return _unpack(packed["state"], arrays)
