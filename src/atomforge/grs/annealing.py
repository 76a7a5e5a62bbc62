"""Simulated annealing on V (Metropolis), with an optional local minimisation after each move.

β follows a geometric schedule from β_start to β_end over ``n_steps`` (linear when either is
0; β = 0 throughout is a random walk that accepts every move). With ``calibrate`` = m > 0, β is
in units of 1/⟨|ΔV|⟩, the mean change of V over m trial moves from the start (made and
discarded before the search): the schedule then does not depend on the scale of V, which
spans orders of magnitude between targets and loss settings. A move is accepted when
ΔV ≤ 0 or with probability exp(−β ΔV). The search stops early once V ≤ ``tol``.
State (structures, step, RNG) goes to and comes from checkpoints: see :meth:`Annealer.state`.

Proposals (``proposal``): "uniform" draws the sites of every move uniformly. "loss_weighted"
draws the site of a flip, and both sites of a swap (:mod:`.moves`), with p_i ∝ w_i + ε·mean(w)
(ε = ``proposal_floor`` > 0), w_i the per-atom loss weights of the current structure
(:func:`loss.atom_weights`, from the same evaluation as V): steps go to the atoms that are wrong.
Displacements stay uniform. The acceptance is then Metropolis–Hastings,
min(1, exp(−β ΔV) · q(trial → current)/q(current → trial)), q from
:func:`moves.proposal_probability` under each structure's own weights, so exp(−βV) stays the
stationary distribution at fixed β (without ``relax``, which no acceptance rule makes reversible).
It needs a calculator with per-atom weights (the moment loss; not the entropy loss).

Reheating (``reheat_after`` = K > 0): after K rejected moves in a row, the search is taken to be
stuck in a local minimum and β is ``reheat_beta`` (same units as β_start; 0 accepts every move)
for the next ``reheat_steps`` moves, then follows its schedule again. A high constant β with
reheating is a descent with short random escapes; it keeps runs from being stranded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ase import Atoms

from ..errors import ConfigError
from .moves import check_moves, proposal_probability, propose, site_probabilities
from .scoring import relax, score, score_and_weights

PROPOSALS = ("uniform", "loss_weighted")


@dataclass
class AnnealSettings:
    """Settings of :class:`Annealer` (see the module docstring); ``relax`` holds keyword
    arguments of :func:`scoring.relax`, or None for no local minimisation; ``proposal`` is
    "uniform" or "loss_weighted", ``proposal_floor`` the ε of the latter (> 0)."""

    n_steps: int = 1000
    beta_start: float = 0.3
    beta_end: float = 30.0
    moves: dict = field(default_factory=lambda: {"displace_one": 1.0})
    step: float = 0.2
    tol: float = 1e-10
    relax: dict | None = None
    calibrate: int = 20
    proposal: str = "uniform"
    proposal_floor: float = 0.1
    reheat_after: int = 0
    reheat_beta: float = 5.0
    reheat_steps: int = 10

    def __post_init__(self):
        if self.proposal not in PROPOSALS:
            raise ConfigError(f"GRS anneal: proposal must be one of {list(PROPOSALS)}, got {self.proposal!r}")
        if not self.proposal_floor > 0:
            raise ConfigError(f"GRS anneal: proposal_floor must be > 0, got {self.proposal_floor!r}")
        if self.reheat_after < 0 or self.reheat_steps < 0 or self.reheat_beta < 0:
            raise ConfigError("GRS anneal: reheat_after, reheat_steps and reheat_beta must be >= 0")

    def beta(self, t: int) -> float:
        """β at step t (0-based)."""
        frac = t / max(1, self.n_steps - 1)
        if self.beta_start > 0 and self.beta_end > 0:
            return self.beta_start * (self.beta_end / self.beta_start) ** frac
        return self.beta_start + (self.beta_end - self.beta_start) * frac


class Annealer:
    """Metropolis search from ``atoms`` under the GRS calculator ``calc``.

    Attributes: ``current``/``current_v``, ``best``/``best_v``, ``step`` (moves made),
    ``hit`` (first step with V ≤ tol, or None), ``history`` (rows [step, V_current, V_best]),
    ``rejected`` (rejections in a row), ``hot`` (reheated moves left),
    ``current_w`` (per-atom loss weights of ``current``, shape (n_atoms,); None with uniform proposals).
    """

    def __init__(self, calc, settings: AnnealSettings, elements: list[str], atoms: Atoms,
                 rng: np.random.Generator):
        self.calc, self.settings, self.elements, self.rng = calc, settings, list(elements), rng
        self.names, self.probs = check_moves(settings.moves)
        self.weighted = settings.proposal == "loss_weighted"
        self.current = self._relaxed(atoms)
        self.current_v, self.current_w = self._score(self.current)
        self.best, self.best_v = self.current.copy(), self.current_v
        self.beta_scale = self._calibrate(settings.calibrate)
        self.step, self.rejected, self.hot = 0, 0, 0
        self.hit = 0 if self.best_v <= settings.tol else None
        self.history: list[list[float]] = [[0, self.current_v, self.best_v]]

    def _relaxed(self, atoms: Atoms) -> Atoms:
        return relax(atoms, self.calc, **self.settings.relax) if self.settings.relax else atoms

    def _score(self, atoms: Atoms) -> tuple[float, np.ndarray | None]:
        """V and (loss-weighted proposals only) the per-atom weights."""
        return score_and_weights(self.calc, atoms) if self.weighted else (score(self.calc, atoms), None)

    def _probabilities(self, w: np.ndarray | None) -> np.ndarray | None:
        return None if w is None else site_probabilities(w, self.settings.proposal_floor)

    def _trial(self) -> tuple[Atoms, str, np.ndarray]:
        """A trial structure, its move and the sites the move changed."""
        move = self.names[self.rng.choice(len(self.names), p=self.probs)]
        trial, sites = propose(self.current, move, self.rng, step=self.settings.step, elements=self.elements,
                               p=self._probabilities(self.current_w))
        return self._relaxed(trial), move, sites

    def log_hastings(self, move: str, sites: np.ndarray, trial: Atoms, trial_w: np.ndarray | None) -> float:
        """log q(trial → current) − log q(current → trial) of a move from ``current`` that changed
        ``sites`` into ``trial`` with weights ``trial_w`` (0 for uniform proposals)."""
        if trial_w is None:
            return 0.0
        forward = proposal_probability(move, self.current.numbers, sites, self._probabilities(self.current_w))
        reverse = proposal_probability(move, trial.numbers, sites, self._probabilities(trial_w))
        return float(np.log(reverse / forward))

    def _calibrate(self, m: int) -> float:
        """1/⟨|ΔV|⟩ over ``m`` trial moves (1 when m = 0 or no move changes V)."""
        if m <= 0:
            return 1.0
        dv = np.mean([abs(score(self.calc, self._trial()[0]) - self.current_v) for _ in range(m)])
        return 1.0 / dv if dv > 0 else 1.0

    @property
    def done(self) -> bool:
        return self.hit is not None or self.step >= self.settings.n_steps

    def run(self, n: int | None = None) -> None:
        """Make up to ``n`` more moves (all remaining if None), stopping when done."""
        s = self.settings
        stop = s.n_steps if n is None else min(s.n_steps, self.step + n)
        while self.step < stop and self.hit is None:
            trial, move, sites = self._trial()
            v, w = self._score(trial)
            beta = (s.reheat_beta if self.hot > 0 else s.beta(self.step)) * self.beta_scale
            self.hot = max(0, self.hot - 1)
            dv = v - self.current_v
            log_ratio = self.log_hastings(move, sites, trial, w)
            if (dv <= 0 and log_ratio >= 0) or self.rng.random() < np.exp(min(0.0, log_ratio - beta * dv)):
                self.current, self.current_v, self.current_w = trial, v, w
                self.rejected = 0
                if v < self.best_v:
                    self.best, self.best_v = trial.copy(), v
            else:
                self.rejected += 1
                if s.reheat_after and self.rejected >= s.reheat_after:
                    self.hot, self.rejected = s.reheat_steps, 0
            self.step += 1
            self.history.append([self.step, self.current_v, self.best_v])
            if self.best_v <= s.tol:
                self.hit = self.step

    # -- checkpoints --------------------------------------------------------------------------
    def state(self) -> tuple[dict, list[Atoms]]:
        """JSON-safe state and the structures [current, best]."""
        meta = {"kind": "anneal", "step": self.step, "hit": self.hit, "rejected": self.rejected, "hot": self.hot,
                "current_v": self.current_v, "best_v": self.best_v, "beta_scale": self.beta_scale,
                "history": self.history,
                "rng": self.rng.bit_generator.state,
                "current_w": None if self.current_w is None else self.current_w.tolist()}
        return meta, [self.current, self.best]

    def restore(self, meta: dict, structures: list[Atoms]) -> None:
        """Continue from :meth:`state` output."""
        self.current, self.best = structures
        self.step, self.hit = meta["step"], meta["hit"]
        self.rejected, self.hot = meta["rejected"], meta["hot"]
        self.current_v, self.best_v = meta["current_v"], meta["best_v"]
        self.beta_scale = meta["beta_scale"]
        self.current_w = None if meta.get("current_w") is None else np.asarray(meta["current_w"], dtype=float)
        self.history = [list(r) for r in meta["history"]]
        self.rng.bit_generator.state = meta["rng"]
