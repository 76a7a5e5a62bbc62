"""The Descriptor protocol and its output container.

A descriptor maps each atom's environment to a feature vector. Gradients are stored sparse by
neighbor pair, never as a dense (n_atoms, n_atoms, ...) array: row ``p`` of ``grad`` holds
∂B_i/∂r_j for ``(i, j) = pairs[p]``, one row per periodic image of ``j`` (so a small cell with
a long cutoff has several rows for the same ``(i, j)``), plus one self row ``i == j`` per atom
holding ∂B_i/∂r_i. ``vectors[p] = r_j + shift - r_i`` (zero for self rows) gives the virial.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol, runtime_checkable

import numpy as np

from ..data.frame import Frame
from ..errors import ConfigError, DataError
from ..hyperparameters import check_keys, hyperparameters, jsonable


@dataclass(frozen=True)
class DescriptorOutput:
    """Descriptor values and their sparse gradients for one structure.

    Attributes
    ----------
    values : ndarray, shape (n_atoms, n_features)
    numbers : ndarray, shape (n_atoms,), int64
        Atomic numbers of the centers.
    pairs : ndarray, shape (n_pairs, 2), int64, or None
        ``(i, j)``: center and neighbor, self pairs ``i == j`` included; sorted by ``i``.
    grad : ndarray, shape (n_pairs, n_features, 3), 1/Å (feature unit per Å), or None
        ``+∂B_i/∂r_j`` (LAMMPS ``snad/atom`` stores the opposite sign).
    vectors : ndarray, shape (n_pairs, 3), Å, or None
        ``r_j + shift·cell − r_i`` of the image in each pair; zero for self pairs.
    """

    values: np.ndarray
    numbers: np.ndarray
    pairs: np.ndarray | None = None
    grad: np.ndarray | None = None
    vectors: np.ndarray | None = None

    @property
    def n_atoms(self) -> int:
        return self.values.shape[0]

    @property
    def n_features(self) -> int:
        return self.values.shape[1]

    @property
    def has_gradients(self) -> bool:
        return self.grad is not None


@runtime_checkable
class Descriptor(Protocol):
    """What every descriptor provides (see ``descriptors/__init__.py`` for the registry).

    The constructor takes keyword-only hyperparameters, ``elements`` (element symbols, the order
    of per-element settings) first and every other one with a default, and only stores them.
    ``to_dict()`` gives them as JSON-safe values and ``from_dict(spec)`` rebuilds an equal
    descriptor, refusing unknown keys with a "did you mean" :class:`~atomforge.errors.ConfigError`.
    :class:`DescriptorBase` implements these three from the constructor's signature.
    """

    name: ClassVar[str]
    cutoff: float
    n_features: int
    feature_names: tuple[str, ...]

    def compute(self, frame: Frame, *, gradients: bool = False) -> DescriptorOutput: ...

    def to_dict(self) -> dict: ...

    @classmethod
    def from_dict(cls, spec: dict) -> "Descriptor": ...


def per_element(owner: str, key: str, value, elements: list[str], default: float) -> list[float]:
    """A per-element setting as a list in ``elements`` order, from None (all ``default``), a list,
    or a dict element → value (missing elements get ``default``)."""
    if value is None:
        return [default] * len(elements)
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(elements))
        if unknown:
            raise ConfigError(f"{owner}: {key} names elements {unknown} that are not in {elements}")
        return [float(value.get(s, default)) for s in elements]
    return list(value)


class DescriptorBase:
    """``to_dict``, ``from_dict`` and ``repr`` of a descriptor, read off its constructor
    (:mod:`atomforge.hyperparameters`)."""

    name: ClassVar[str]

    def to_dict(self) -> dict:
        """JSON-safe hyperparameters; ``from_dict`` rebuilds an equal descriptor."""
        return {k: jsonable(getattr(self, k)) for k in hyperparameters(type(self))}

    @classmethod
    def from_dict(cls, spec: dict):
        """Rebuild from :meth:`to_dict` output (or a config section without ``name``)."""
        check_keys(cls.__name__, spec, hyperparameters(cls))
        return cls(**spec)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(" + ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items()) + ")"


def as_frame(structure) -> Frame:
    """Accept an ``ase.Atoms`` or a :class:`Frame` and return a Frame."""
    if isinstance(structure, Frame):
        return structure
    return Frame(structure)


def element_types(frame: Frame, elements: list[str]) -> np.ndarray:
    """Index in ``elements`` of each atom of ``frame``, shape (n_atoms,), int64; an atom of another
    element is a DataError naming the frame's source."""
    index = {s: k for k, s in enumerate(elements)}
    symbols = frame.atoms.get_chemical_symbols()
    missing = sorted(set(symbols) - set(index))
    if missing:
        raise DataError(f"element(s) {missing} not in the descriptor's elements {list(elements)}",
                        source=frame.source or None, field="numbers")
    return np.array([index[s] for s in symbols], dtype=np.int64)
