"""Trial moves of the global searches (annealing, genetic mutations). Each returns a new Atoms.

- ``displace_one``: one atom by a Gaussian step (σ = ``step`` Å per component);
- ``displace_many``: every atom by a Gaussian step of σ = ``step``/2;
- ``flip``: one atom takes another of the allowed elements (changes the composition);
- ``swap``: two atoms of different species exchange them (keeps the composition).
Spatial moves keep the cell and wrap positions back into it.
"""

from __future__ import annotations

import numpy as np
from ase import Atoms

from ..errors import ConfigError

MOVES = ("displace_one", "displace_many", "flip", "swap")


def check_moves(probabilities: dict) -> tuple[list[str], np.ndarray]:
    """Names and normalised probabilities of the moves; unknown names are refused."""
    unknown = sorted(set(probabilities) - set(MOVES))
    if unknown:
        raise ConfigError(f"GRS moves: unknown move(s) {unknown}; known: {list(MOVES)}")
    names = [m for m in MOVES if probabilities.get(m, 0) > 0]
    if not names:
        raise ConfigError(f"GRS moves: give at least one positive probability among {list(MOVES)}")
    p = np.array([float(probabilities[m]) for m in names])
    return names, p / p.sum()


def propose(atoms: Atoms, move: str, rng: np.random.Generator, *, step: float, elements: list[str]) -> Atoms:
    """Apply ``move`` to a copy of ``atoms``; returns the copy (unchanged if the move is impossible)."""
    out = atoms.copy()
    n = len(out)
    if move == "displace_one":
        out.positions[rng.integers(n)] += rng.normal(0.0, step, 3)
        out.wrap()
    elif move == "displace_many":
        out.positions += rng.normal(0.0, 0.5 * step, (n, 3))
        out.wrap()
    elif move == "flip":
        k = rng.integers(n)
        others = [s for s in elements if s != out[k].symbol]
        if others:
            out[k].symbol = others[rng.integers(len(others))]
    elif move == "swap":
        numbers = out.numbers
        i = rng.integers(n)
        partners = np.flatnonzero(numbers != numbers[i])
        if len(partners):
            j = partners[rng.integers(len(partners))]
            numbers[[i, j]] = numbers[[j, i]]
            out.numbers = numbers
    else:
        raise ConfigError(f"GRS moves: unknown move {move!r}; known: {list(MOVES)}")
    return out
