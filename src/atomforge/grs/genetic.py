"""Genetic algorithm on V: tournament selection, two crossovers, mutations, elitism.

Crossovers of parents A and B with the same number of atoms:

- ``slab``: a random plane normal to one cell axis, at fraction c: atoms of A below it and of B
  above it (in A's cell). When A and B share their sites (a fixed lattice) this exchanges
  the occupations of those sites; otherwise surplus atoms are dropped and missing ones taken
  from A's remaining atoms.
- ``mix``: A's sites, each site's species taken from A or from B's atom of the same index.

With ``fixed_composition`` a child is repaired to A's composition by changing the species of
random atoms of over-represented elements. A child is mutated (one move of
:mod:`.moves`) with probability ``mutation_rate``, then optionally relaxed. The ``elitism``
best structures pass unchanged. The search stops once the best V ≤ ``tol``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ase import Atoms

from ..errors import ConfigError
from .moves import check_moves, propose
from .scoring import relax, score_many

CROSSOVERS = ("slab", "mix")


@dataclass
class GeneticSettings:
    """Settings of :class:`GeneticSearch` (see the module docstring)."""

    population: int = 50
    n_generations: int = 100
    tournament: int = 3
    crossover: dict = field(default_factory=lambda: {"slab": 0.5, "mix": 0.5})
    mutation_rate: float = 1.0
    moves: dict = field(default_factory=lambda: {"displace_one": 1.0})
    step: float = 0.2
    elitism: int = 2
    fixed_composition: bool = True
    tol: float = 1e-10
    relax: dict | None = None
    executor: str = "serial"
    n_workers: int | None = None
    address: str | None = None


def same_sites(a: Atoms, b: Atoms, tol: float = 1e-6) -> bool:
    """Whether ``a`` and ``b`` have the same cell and the same scaled positions, index by index."""
    if len(a) != len(b) or not np.allclose(a.cell.array, b.cell.array, atol=tol):
        return False
    d = a.get_scaled_positions() - b.get_scaled_positions()
    return bool(np.all(np.abs(d - np.round(d)) < tol))


def slab_crossover(a: Atoms, b: Atoms, rng: np.random.Generator) -> Atoms:
    """Atoms of ``a`` below a random plane, of ``b`` above it (see the module docstring)."""
    axis, c = rng.integers(3), rng.random()
    sa = a.get_scaled_positions()[:, axis]
    if same_sites(a, b):
        child = a.copy()
        numbers = np.where(sa < c, a.numbers, b.numbers)
        child.numbers = numbers
        return child
    sb = b.get_scaled_positions(wrap=True)
    frac_b = sb[sb[:, axis] >= c]
    z_b = b.numbers[sb[:, axis] >= c]
    below = np.flatnonzero(sa < c)
    frac = np.concatenate([a.get_scaled_positions()[below], frac_b])
    numbers = np.concatenate([a.numbers[below], z_b])
    n = len(a)
    if len(numbers) > n:
        keep = np.sort(rng.choice(len(numbers), n, replace=False))
        frac, numbers = frac[keep], numbers[keep]
    elif len(numbers) < n:
        above = np.flatnonzero(sa >= c)
        extra = rng.choice(above, n - len(numbers), replace=False)
        frac = np.concatenate([frac, a.get_scaled_positions()[extra]])
        numbers = np.concatenate([numbers, a.numbers[extra]])
    return Atoms(numbers=numbers, scaled_positions=frac, cell=a.cell, pbc=a.pbc)


def mix_crossover(a: Atoms, b: Atoms, rng: np.random.Generator) -> Atoms:
    """A's sites with each species from A or B (same index), each with probability ½."""
    child = a.copy()
    child.numbers = np.where(rng.random(len(a)) < 0.5, a.numbers, b.numbers)
    return child


def repair_composition(atoms: Atoms, numbers_ref: np.ndarray, rng: np.random.Generator) -> Atoms:
    """Change species of random atoms until the counts equal those of ``numbers_ref``."""
    want = {z: int(np.sum(numbers_ref == z)) for z in np.unique(numbers_ref)}
    numbers = atoms.numbers.copy()
    for _ in range(len(numbers)):
        have = {z: int(np.sum(numbers == z)) for z in set(want) | set(numbers.tolist())}
        over = [z for z in have if have[z] > want.get(z, 0)]
        under = [z for z in want if have.get(z, 0) < want[z]]
        if not over:
            break
        k = rng.choice(np.flatnonzero(numbers == over[rng.integers(len(over))]))
        numbers[k] = under[rng.integers(len(under))]
    out = atoms.copy()
    out.numbers = numbers
    return out


class GeneticSearch:
    """Generations of structures under the GRS calculator ``calc``.

    Attributes: ``population`` (list of Atoms), ``scores`` (V, shape (population,)),
    ``generation``, ``hit`` (first generation whose best V ≤ tol, or None), ``history``
    (rows [generation, best V, median V]).
    """

    def __init__(self, calc, settings: GeneticSettings, elements: list[str], initial: list[Atoms],
                 rng: np.random.Generator):
        unknown = sorted(set(settings.crossover) - set(CROSSOVERS))
        if unknown:
            raise ConfigError(f"GRS genetic: unknown crossover(s) {unknown}; known: {list(CROSSOVERS)}")
        if len(initial) < 2:
            raise ConfigError("GRS genetic: the population needs at least 2 structures")
        self.calc, self.settings, self.elements, self.rng = calc, settings, list(elements), rng
        self.names, self.probs = check_moves(settings.moves)
        cx = np.array([settings.crossover.get(k, 0.0) for k in CROSSOVERS], dtype=float)
        self.cx_probs = cx / cx.sum()
        self.population = [self._relaxed(a) for a in initial]
        self.scores = self._score(self.population)
        self.generation = 0
        self.hit = None
        self.history: list[list[float]] = []
        self._record()

    def _relaxed(self, atoms: Atoms) -> Atoms:
        return relax(atoms, self.calc, **self.settings.relax) if self.settings.relax else atoms

    def _score(self, structures) -> np.ndarray:
        s = self.settings
        return score_many(self.calc, structures, executor=s.executor, n_workers=s.n_workers, address=s.address)

    def _record(self) -> None:
        best = float(self.scores.min())
        self.history.append([self.generation, best, float(np.median(self.scores))])
        if self.hit is None and best <= self.settings.tol:
            self.hit = self.generation

    @property
    def best(self) -> tuple[Atoms, float]:
        k = int(np.argmin(self.scores))
        return self.population[k], float(self.scores[k])

    @property
    def done(self) -> bool:
        return self.hit is not None or self.generation >= self.settings.n_generations

    def _tournament(self) -> Atoms:
        picks = self.rng.choice(len(self.population), self.settings.tournament, replace=True)
        return self.population[picks[np.argmin(self.scores[picks])]]

    def _child(self) -> Atoms:
        s = self.settings
        a, b = self._tournament(), self._tournament()
        kind = CROSSOVERS[self.rng.choice(len(CROSSOVERS), p=self.cx_probs)]
        child = slab_crossover(a, b, self.rng) if kind == "slab" else mix_crossover(a, b, self.rng)
        if s.fixed_composition:
            child = repair_composition(child, a.numbers, self.rng)
        if self.rng.random() < s.mutation_rate:
            move = self.names[self.rng.choice(len(self.names), p=self.probs)]
            child = propose(child, move, self.rng, step=s.step, elements=self.elements)[0]
        return self._relaxed(child)

    def run(self, n: int | None = None) -> None:
        """Breed up to ``n`` more generations (all remaining if None), stopping when done."""
        s = self.settings
        stop = s.n_generations if n is None else min(s.n_generations, self.generation + n)
        while self.generation < stop and self.hit is None:
            order = np.argsort(self.scores, kind="stable")[: s.elitism]
            elite = [self.population[k] for k in order]
            children = [self._child() for _ in range(len(self.population) - len(elite))]
            self.population = elite + children
            self.scores = np.concatenate([self.scores[order], self._score(children)])
            self.generation += 1
            self._record()

    # -- checkpoints --------------------------------------------------------------------------
    def state(self) -> tuple[dict, list[Atoms]]:
        """JSON-safe state and the population."""
        meta = {"kind": "genetic", "generation": self.generation, "hit": self.hit,
                "scores": self.scores.tolist(), "history": self.history,
                "rng": self.rng.bit_generator.state}
        return meta, list(self.population)

    def restore(self, meta: dict, structures: list[Atoms]) -> None:
        """Continue from :meth:`state` output."""
        self.population = list(structures)
        self.scores = np.array(meta["scores"], dtype=float)
        self.generation, self.hit = meta["generation"], meta["hit"]
        self.history = [list(r) for r in meta["history"]]
        self.rng.bit_generator.state = meta["rng"]
