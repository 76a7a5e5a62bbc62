"""Per-center neighbourhoods and the sparse pair rows shared by the ACSF and EAD descriptors.

The kernels get each center's neighbour images as a contiguous slice ``offsets[i]:offsets[i+1]``
of the pair arrays and write gradient row ``offsets[i] + i`` (the self row of center i) followed
by one row per neighbour image, in the order of :func:`atomforge.neighbors.neighbor_list`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ase.data import atomic_numbers

from ..errors import ConfigError
from ..neighbors import neighbor_list
from .base import DescriptorOutput, as_frame, element_types


@dataclass(frozen=True)
class Neighborhoods:
    """Neighbour images of every center within the cutoff, grouped by center.

    Attributes
    ----------
    numbers : ndarray, shape (n_atoms,), int64
    types : ndarray, shape (n_atoms,), int64
        Index of each atom's element in the descriptor's ``elements``.
    offsets : ndarray, shape (n_atoms + 1,), int64
        Center i owns pairs ``offsets[i]:offsets[i+1]``.
    i, j : ndarray, shape (n_pairs,), int64
    vectors : ndarray, shape (n_pairs, 3), Å
        ``r_j + shift·cell − r_i``.
    dist : ndarray, shape (n_pairs,), Å
    """

    numbers: np.ndarray
    types: np.ndarray
    offsets: np.ndarray
    i: np.ndarray
    j: np.ndarray
    vectors: np.ndarray
    dist: np.ndarray


def check_elements(owner: str, elements) -> None:
    if not elements or any(s not in atomic_numbers for s in elements) or len(set(elements)) != len(elements):
        raise ConfigError(f"{owner}: 'elements' must be a non-empty list of distinct element symbols, "
                          f"got {elements!r}")


def per_element(owner: str, key: str, value, elements: list[str], default) -> np.ndarray:
    """A per-element float array from None (``default(symbol)``), a list or a dict symbol → value."""
    if value is None:
        return np.array([float(default(s)) for s in elements])
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(elements))
        if unknown:
            raise ConfigError(f"{owner}: '{key}' names {unknown}, which are not in the elements {elements}")
        return np.array([float(value.get(s, default(s))) for s in elements])
    if len(value) != len(elements):
        raise ConfigError(f"{owner}: '{key}' must have one number per element {elements}, got {value!r}")
    return np.asarray(value, dtype=np.float64)


def neighborhoods(structure, elements: list[str], cutoff: float):
    """The frame of ``structure`` (Frame or ase.Atoms) and its :class:`Neighborhoods`."""
    frame = as_frame(structure)
    atoms = frame.atoms
    types = element_types(frame, elements)
    nl = neighbor_list(atoms, cutoff)
    keep = (nl.distances < cutoff) & (nl.distances > 1e-10)
    i = nl.i[keep]
    offsets = np.zeros(len(atoms) + 1, dtype=np.int64)
    np.cumsum(np.bincount(i, minlength=len(atoms)), out=offsets[1:])
    env = Neighborhoods(numbers=np.asarray(atoms.numbers, dtype=np.int64), types=types,
                        offsets=offsets, i=i, j=nl.j[keep],
                        vectors=np.ascontiguousarray(nl.vectors[keep], dtype=np.float64),
                        dist=np.ascontiguousarray(nl.distances[keep], dtype=np.float64))
    return frame, env


def with_pair_rows(env: Neighborhoods, values: np.ndarray, grad: np.ndarray) -> DescriptorOutput:
    """DescriptorOutput with ``pairs``/``vectors`` for ``grad`` rows laid out per center as
    (self row, neighbour images in pair order)."""
    n_atoms = len(env.numbers)
    n_rows = len(env.dist) + n_atoms
    is_self = np.zeros(n_rows, dtype=bool)
    is_self[env.offsets[:-1] + np.arange(n_atoms)] = True
    pairs = np.empty((n_rows, 2), dtype=np.int64)
    pairs[is_self] = np.arange(n_atoms)[:, None]
    pairs[~is_self, 0] = env.i
    pairs[~is_self, 1] = env.j
    vectors = np.zeros((n_rows, 3))
    vectors[~is_self] = env.vectors
    return DescriptorOutput(values=values, numbers=env.numbers, pairs=pairs, grad=grad, vectors=vectors)
