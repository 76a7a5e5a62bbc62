"""A Dataset: an ordered collection of frames with species, groups and splits."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
from ase.data import chemical_symbols

from .frame import Frame


class Dataset(Sequence):
    """Frames in a fixed order.

    Parameters
    ----------
    frames : iterable of Frame
    name : str
        A label for reports, e.g. the file it came from.
    """

    def __init__(self, frames: Iterable[Frame], name: str = ""):
        self.frames: list[Frame] = list(frames)
        self.name = name

    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Dataset(self.frames[index], self.name)
        if isinstance(index, (list, np.ndarray)):
            return Dataset([self.frames[int(k)] for k in index], self.name)
        return self.frames[index]

    def __iter__(self) -> Iterator[Frame]:
        return iter(self.frames)

    def __add__(self, other: "Dataset") -> "Dataset":
        return Dataset(self.frames + list(other), self.name or other.name)

    def __repr__(self) -> str:
        return (f"Dataset({self.name!r}, n_frames={len(self)}, n_atoms={self.n_atoms}, "
                f"species={self.species}, groups={dict(self.group_counts)})")

    @property
    def n_atoms(self) -> int:
        return sum(f.n_atoms for f in self.frames)

    @property
    def species(self) -> list[str]:
        """Chemical symbols present, sorted by atomic number."""
        zs = sorted({int(z) for f in self.frames for z in f.atoms.numbers})
        return [chemical_symbols[z] for z in zs]

    @property
    def groups(self) -> list[str]:
        """Group names in order of first appearance."""
        return list(dict.fromkeys(f.group for f in self.frames))

    @property
    def group_counts(self) -> Counter:
        return Counter(f.group for f in self.frames)

    def split(self, test_fraction: float = 0.1, seed: int = 0) -> tuple["Dataset", "Dataset"]:
        """Split into (train, test), stratified by group and reproducible for a given seed.

        Each group gives ``round(test_fraction * n_group)`` frames to the test set (at least one
        when the group has two or more frames and ``test_fraction > 0``).
        """
        if not 0.0 <= test_fraction < 1.0:
            raise ValueError(f"test_fraction must be in [0, 1), got {test_fraction}")
        rng = np.random.default_rng(seed)
        test_idx: list[int] = []
        for g in self.groups:
            idx = np.array([k for k, f in enumerate(self.frames) if f.group == g])
            n_test = int(round(test_fraction * len(idx)))
            if test_fraction > 0 and n_test == 0 and len(idx) >= 2:
                n_test = 1
            test_idx.extend(rng.permutation(idx)[:n_test].tolist())
        test = sorted(test_idx)
        train = sorted(set(range(len(self))) - set(test))
        return self[train], self[test]
