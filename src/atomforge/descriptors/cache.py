"""An HDF5 cache of the descriptors of a data set, refused when the setting or the frames differ.

Layout of the file (h5py)::

    /                 attrs: format, format_version, descriptor (JSON: name, spec, n_features),
                             gradients (bool), dataset_fingerprint (hex), n_frames
    /frames/00000017  one group per frame: values (n_atoms, n_features), numbers (n_atoms,),
                      and with gradients pairs (n_pairs, 2), grad (n_pairs, n_features, 3),
                      vectors (n_pairs, 3); attrs fingerprint (hex), complete (bool, set last)

A run writes into ``<path>.partial`` and adds frames chunk by chunk, so an interrupted run
resumes from the frames already there; once every frame is in, the partial file is renamed to
``path`` in one step. The fingerprint of a frame is a SHA-256 of its atomic numbers, positions,
cell and periodic boundaries; the data set's is a SHA-256 of those.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from pathlib import Path

import h5py
import numpy as np

from ..errors import CacheError
from .base import DescriptorOutput

FORMAT_NAME = "atomforge-descriptor-cache"
FORMAT_VERSION = 1
_ARRAYS = ("pairs", "grad", "vectors")


def frame_fingerprint(frame) -> str:
    """SHA-256 (hex) of a frame's numbers, positions, cell and pbc (not of its labels)."""
    atoms = frame.atoms
    h = hashlib.sha256()
    for arr in (np.asarray(atoms.numbers, dtype=np.int64), np.asarray(atoms.positions, float),
                np.asarray(atoms.cell.array, float), np.asarray(atoms.pbc, dtype=np.int8)):
        h.update(np.ascontiguousarray(arr).tobytes())
        h.update(b"|")
    return h.hexdigest()


def descriptor_key(descriptor) -> str:
    """The descriptor setting as canonical JSON: name, ``to_dict()`` spec, n_features."""
    return json.dumps({"name": descriptor.name, "spec": descriptor.to_dict(),
                       "n_features": int(descriptor.n_features)}, sort_keys=True)


class DescriptorCache:
    """Descriptors of one data set under one descriptor setting, kept in an HDF5 file.

    Parameters
    ----------
    path : path-like
        The cache file (``.h5``); work in progress lives in ``<path>.partial``.
    descriptor : Descriptor
    dataset : Dataset or sequence of Frame
    gradients : bool
        Whether gradients are wanted. A cache with gradients also serves a run without them.

    Raises
    ------
    CacheError
        When the file was written by another descriptor setting, for other frames, without
        gradients that are now wanted, or is not a cache file.
    """

    def __init__(self, path, descriptor, dataset, *, gradients: bool):
        self.path = Path(path)
        self.partial = self.path.with_name(self.path.name + ".partial")
        self.gradients = bool(gradients)
        self.key = descriptor_key(descriptor)
        self.fingerprints = [frame_fingerprint(f) for f in dataset]
        self.dataset_fingerprint = hashlib.sha256("".join(self.fingerprints).encode()).hexdigest()
        if self.path.exists():
            self._check_header(self.path)
            self._done = set(range(len(self.fingerprints)))
            return
        if self.partial.exists():
            try:
                self._check_header(self.partial)
                self._done = self._complete_frames(self.partial)
                return
            except OSError as err:  # a run killed while writing the header
                warnings.warn(f"{self.partial}: unreadable partial cache ({err}); starting over",
                              stacklevel=2)
                self.partial.unlink()
        self._create(self.partial)
        self._done = set()

    def missing(self) -> list[int]:
        """Indices of the frames not in the cache yet, ascending."""
        return [k for k in range(len(self.fingerprints)) if k not in self._done]

    def add(self, outputs: dict[int, DescriptorOutput]) -> None:
        """Store descriptor outputs by frame index (a checkpoint: flushed before returning)."""
        with h5py.File(self.partial, "a") as f:
            frames = f.require_group("frames")
            for k, out in outputs.items():
                name = f"{k:08d}"
                if name in frames:
                    del frames[name]
                g = frames.create_group(name)
                g.create_dataset("values", data=np.asarray(out.values, dtype=np.float64))
                g.create_dataset("numbers", data=np.asarray(out.numbers, dtype=np.int64))
                if self.gradients:
                    if out.grad is None:
                        raise CacheError(f"{self.path}: frame {k} has no gradients to store")
                    for a in _ARRAYS:
                        g.create_dataset(a, data=np.asarray(getattr(out, a)))
                g.attrs["fingerprint"] = self.fingerprints[k]
                g.attrs["complete"] = True
                self._done.add(k)
            f.flush()

    def finish(self) -> list[DescriptorOutput]:
        """Rename the completed partial file onto ``path`` and return every frame's output."""
        if self.missing():
            raise CacheError(f"{self.path}: {len(self.missing())} frames are not computed yet")
        if self.partial.exists() and not self.path.exists():
            os.replace(self.partial, self.path)
        return self.load()

    def load(self) -> list[DescriptorOutput]:
        """Every frame's output, in the order of the data set."""
        out = []
        with h5py.File(self.path, "r") as f:
            frames = f["frames"]
            for k, fp in enumerate(self.fingerprints):
                g = frames[f"{k:08d}"]
                if g.attrs["fingerprint"] != fp:
                    raise CacheError(f"{self.path}: frame {k} differs from the frame cached")
                arrays = {a: g[a][()] for a in _ARRAYS} if self.gradients else {}
                out.append(DescriptorOutput(g["values"][()], g["numbers"][()], **arrays))
        return out

    def _create(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with h5py.File(path, "w") as f:
            f.attrs["format"] = FORMAT_NAME
            f.attrs["format_version"] = FORMAT_VERSION
            f.attrs["descriptor"] = self.key
            f.attrs["gradients"] = self.gradients
            f.attrs["dataset_fingerprint"] = self.dataset_fingerprint
            f.attrs["n_frames"] = len(self.fingerprints)
            f.create_group("frames")

    def _check_header(self, path: Path) -> None:
        try:
            with h5py.File(path, "r") as f:
                attrs = dict(f.attrs)
        except OSError as err:
            if path == self.partial:
                raise
            raise CacheError(f"{path}: not a readable HDF5 file ({err}); delete it") from err
        where = f"{path}: descriptor cache"
        if attrs.get("format") != FORMAT_NAME:
            raise CacheError(f"{path}: not an atomforge descriptor cache; choose another path")
        if attrs.get("format_version") != FORMAT_VERSION:
            raise CacheError(f"{where} of format version {attrs.get('format_version')}, this "
                             f"atomforge reads {FORMAT_VERSION}; delete it to recompute")
        if attrs.get("descriptor") != self.key:
            raise CacheError(f"{where} was written by another descriptor setting: "
                             f"{attrs.get('descriptor')}; this run uses {self.key}. Delete the "
                             "file or give another cache path")
        if attrs.get("dataset_fingerprint") != self.dataset_fingerprint:
            raise CacheError(f"{where} was written for other frames ({attrs.get('n_frames')} "
                             f"frames, not these {len(self.fingerprints)}: positions, cells or "
                             "species differ). Delete the file or give another cache path")
        if self.gradients and not attrs.get("gradients"):
            raise CacheError(f"{where} holds no gradients and this run needs them; delete it "
                             "or give another cache path")
        if path == self.partial and bool(attrs.get("gradients")) != self.gradients:
            raise CacheError(f"{path}: unfinished cache started with gradients="
                             f"{bool(attrs.get('gradients'))}; resume with that setting or "
                             "delete it")

    @staticmethod
    def _complete_frames(path: Path) -> set[int]:
        with h5py.File(path, "r") as f:
            frames = f.get("frames", {})
            return {int(name) for name in frames if frames[name].attrs.get("complete", False)}
