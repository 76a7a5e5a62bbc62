"""Trial moves of the global searches (annealing, genetic mutations). Each returns a new Atoms.

- ``displace_one``: one atom by a Gaussian step (σ = ``step`` Å per component);
- ``displace_many``: every atom by a Gaussian step of σ = ``step``/2;
- ``flip``: one atom takes another of the allowed elements (changes the composition);
- ``swap``: two atoms of different species exchange them (keeps the composition).
Spatial moves keep the cell and wrap positions back into it.

Chemical moves may draw their sites from given site probabilities p (shape (n_atoms,), summing
to 1; :func:`site_probabilities`) instead of uniformly: a flip changes site k ~ p; a swap takes
its first site i ~ p and its partner j among the atoms of another species with probability
p_j / Σ_{l: z_l ≠ z_i} p_l (weighted too, so two wrong atoms of different species pair up).
:func:`proposal_probability` gives the probability of a proposed change, for the Hastings ratio.
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


def site_probabilities(weights: np.ndarray, floor: float) -> np.ndarray:
    """p_i ∝ w_i + floor · mean(w) for per-atom weights w ≥ 0, shape (n_atoms,); uniform when all w = 0."""
    w = np.asarray(weights, dtype=float)
    total = w.sum()
    if total <= 0:
        return np.full(len(w), 1.0 / len(w))
    return (w + floor * total / len(w)) / (total * (1.0 + floor))


def _draw(n: int, rng: np.random.Generator, p: np.ndarray | None) -> int:
    return int(rng.integers(n)) if p is None else int(rng.choice(n, p=p))


def propose(atoms: Atoms, move: str, rng: np.random.Generator, *, step: float, elements: list[str],
            p: np.ndarray | None = None) -> tuple[Atoms, np.ndarray]:
    """Apply ``move`` to a copy of ``atoms``.

    ``p``: site probabilities of the chemical moves (shape (n_atoms,)); None: uniform.
    Returns the copy (unchanged if the move is impossible) and the indices of the atoms it changed.
    """
    out = atoms.copy()
    n = len(out)
    sites = np.zeros(0, dtype=np.int64)
    if move == "displace_one":
        k = rng.integers(n)
        out.positions[k] += rng.normal(0.0, step, 3)
        out.wrap()
        sites = np.array([k])
    elif move == "displace_many":
        out.positions += rng.normal(0.0, 0.5 * step, (n, 3))
        out.wrap()
        sites = np.arange(n)
    elif move == "flip":
        k = _draw(n, rng, p)
        others = [s for s in elements if s != out[k].symbol]
        if others:
            out[k].symbol = others[rng.integers(len(others))]
            sites = np.array([k])
    elif move == "swap":
        numbers = out.numbers
        i = _draw(n, rng, p)
        partners = np.flatnonzero(numbers != numbers[i])
        if len(partners):
            j = partners[_draw(len(partners), rng, None if p is None else p[partners] / p[partners].sum())]
            numbers[[i, j]] = numbers[[j, i]]
            out.numbers = numbers
            sites = np.array([i, j])
    else:
        raise ConfigError(f"GRS moves: unknown move {move!r}; known: {list(MOVES)}")
    return out, sites


def proposal_probability(move: str, numbers: np.ndarray, sites: np.ndarray, p: np.ndarray) -> float:
    """Probability that a chemical ``move`` drawn with site probabilities ``p`` from a structure with
    atomic ``numbers`` changes exactly ``sites``, up to factors that do not depend on the structure
    (the move's own probability; a flip's uniform choice among the other elements). A swap of
    (i, j) is drawn with i or with j first: p_i p_j (1/P_≠z_i + 1/P_≠z_j), P_≠z = Σ_{l: z_l ≠ z} p_l.
    Moves that changed nothing, and displacements (always uniform), give 1."""
    if len(sites) == 0 or move not in ("flip", "swap"):
        return 1.0
    if move == "flip":
        return float(p[sites[0]])
    i, j = sites
    return float(p[i] * p[j] * (1.0 / p[numbers != numbers[i]].sum() + 1.0 / p[numbers != numbers[j]].sum()))
