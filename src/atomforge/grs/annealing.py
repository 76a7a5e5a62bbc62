"""Simulated annealing on V (Metropolis), with an optional local minimisation after each move.

β follows a geometric schedule from β_start to β_end over ``n_steps`` (linear when either is
0; β = 0 throughout is a random walk that accepts every move). With ``calibrate`` = m > 0, β is
in units of 1/⟨|ΔV|⟩, the mean change of V over m trial moves from the start (made and
discarded before the search): the schedule then does not depend on the scale of V, which
spans orders of magnitude between targets and loss settings. A move is accepted when
ΔV ≤ 0 or with probability exp(−β ΔV). The search stops early once V ≤ ``tol``.
State (structures, step, RNG) goes to and comes from checkpoints: see :meth:`Annealer.state`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ase import Atoms

from .moves import check_moves, propose
from .scoring import relax, score


@dataclass
class AnnealSettings:
    """Settings of :class:`Annealer` (see the module docstring); ``relax`` holds keyword
    arguments of :func:`scoring.relax`, or None for no local minimisation."""

    n_steps: int = 1000
    beta_start: float = 0.3
    beta_end: float = 30.0
    moves: dict = field(default_factory=lambda: {"displace_one": 1.0})
    step: float = 0.2
    tol: float = 1e-10
    relax: dict | None = None
    calibrate: int = 20

    def beta(self, t: int) -> float:
        """β at step t (0-based)."""
        frac = t / max(1, self.n_steps - 1)
        if self.beta_start > 0 and self.beta_end > 0:
            return self.beta_start * (self.beta_end / self.beta_start) ** frac
        return self.beta_start + (self.beta_end - self.beta_start) * frac


class Annealer:
    """Metropolis search from ``atoms`` under the GRS calculator ``calc``.

    Attributes: ``current``/``current_v``, ``best``/``best_v``, ``step`` (moves made),
    ``hit`` (first step with V ≤ tol, or None), ``history`` (rows [step, V_current, V_best]).
    """

    def __init__(self, calc, settings: AnnealSettings, elements: list[str], atoms: Atoms,
                 rng: np.random.Generator):
        self.calc, self.settings, self.elements, self.rng = calc, settings, list(elements), rng
        self.names, self.probs = check_moves(settings.moves)
        self.current = self._relaxed(atoms)
        self.current_v = score(calc, self.current)
        self.best, self.best_v = self.current.copy(), self.current_v
        self.beta_scale = self._calibrate(settings.calibrate)
        self.step = 0
        self.hit = 0 if self.best_v <= settings.tol else None
        self.history: list[list[float]] = [[0, self.current_v, self.best_v]]

    def _relaxed(self, atoms: Atoms) -> Atoms:
        return relax(atoms, self.calc, **self.settings.relax) if self.settings.relax else atoms

    def _trial(self) -> Atoms:
        move = self.names[self.rng.choice(len(self.names), p=self.probs)]
        return self._relaxed(propose(self.current, move, self.rng, step=self.settings.step,
                                     elements=self.elements))

    def _calibrate(self, m: int) -> float:
        """1/⟨|ΔV|⟩ over ``m`` trial moves (1 when m = 0 or no move changes V)."""
        if m <= 0:
            return 1.0
        dv = np.mean([abs(score(self.calc, self._trial()) - self.current_v) for _ in range(m)])
        return 1.0 / dv if dv > 0 else 1.0

    @property
    def done(self) -> bool:
        return self.hit is not None or self.step >= self.settings.n_steps

    def run(self, n: int | None = None) -> None:
        """Make up to ``n`` more moves (all remaining if None), stopping when done."""
        s = self.settings
        stop = s.n_steps if n is None else min(s.n_steps, self.step + n)
        while self.step < stop and self.hit is None:
            trial = self._trial()
            v = score(self.calc, trial)
            beta = s.beta(self.step) * self.beta_scale
            dv = v - self.current_v
            if dv <= 0 or self.rng.random() < np.exp(-beta * dv):
                self.current, self.current_v = trial, v
                if v < self.best_v:
                    self.best, self.best_v = trial.copy(), v
            self.step += 1
            self.history.append([self.step, self.current_v, self.best_v])
            if self.best_v <= s.tol:
                self.hit = self.step

    # -- checkpoints --------------------------------------------------------------------------
    def state(self) -> tuple[dict, list[Atoms]]:
        """JSON-safe state and the structures [current, best]."""
        meta = {"kind": "anneal", "step": self.step, "hit": self.hit, "current_v": self.current_v,
                "best_v": self.best_v, "beta_scale": self.beta_scale, "history": self.history,
                "rng": self.rng.bit_generator.state}
        return meta, [self.current, self.best]

    def restore(self, meta: dict, structures: list[Atoms]) -> None:
        """Continue from :meth:`state` output."""
        self.current, self.best = structures
        self.step, self.hit = meta["step"], meta["hit"]
        self.current_v, self.best_v = meta["current_v"], meta["best_v"]
        self.beta_scale = meta["beta_scale"]
        self.history = [list(r) for r in meta["history"]]
        self.rng.bit_generator.state = meta["rng"]
