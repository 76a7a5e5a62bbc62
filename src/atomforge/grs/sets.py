"""Sets of GRS structures that together cover a target, grown one member at a time.

Member m is found from a fresh candidate under V = V_core + w1·Q(m) + w2·Q_intra(m ∪ earlier
members), by a local minimisation of V (``loss="moments"``), or by annealing on
V_core + w·Q_ent(m ∪ earlier members) (``loss="entropy"``, :mod:`.entropy`; no forces).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator, all_changes

from ..errors import ConfigError
from .annealing import AnnealSettings, Annealer
from .core import RepulsiveCore
from .coverage import PCA
from .effective import GRSCalculator
from .entropy import entropy_loss
from .scoring import relax

LOSSES = ("moments", "entropy")
ENTROPY_POINTS = 2000  # target atoms kept for its kernel density


class EntropyCalculator(Calculator):
    """Energy-only ASE calculator V = V_core + weight·Q_ent(structure ∪ others)."""

    implemented_properties = ["energy", "free_energy"]

    def __init__(self, descriptor, pca: PCA, target_points: np.ndarray, *, weight: float = 1.0,
                 core: RepulsiveCore | None = None, others: np.ndarray | None = None, **kwargs):
        super().__init__(**kwargs)
        self.descriptor, self.pca, self.target_points = descriptor, pca, target_points
        self.weight, self.core = weight, core or RepulsiveCore()
        self.others = others if others is not None else np.zeros((0, len(pca.mean)))

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        values = np.concatenate([self.descriptor.compute(self.atoms).values, self.others])
        energy = self.core.compute(self.atoms, stress=False)[0] + self.weight * entropy_loss(
            values, self.target_points, self.pca)
        self.results = {"energy": energy, "free_energy": energy}


@dataclass
class SetSettings:
    """How each member is grown (see the module docstring).

    ``relax``: keyword arguments of :func:`scoring.relax` (moments); ``anneal``: settings of the
    annealing (entropy, and optionally before the relaxation for moments).
    """

    n_structures: int = 10
    w1: float = 0.1
    w2: float = 1.0
    loss: str = "moments"
    relax: dict | None = field(default_factory=lambda: {"fmax": 0.01, "steps": 100})
    anneal: AnnealSettings | None = None


def member_calculator(descriptor, target, settings: SetSettings, outputs, *, core=None, loss=None,
                      pca: PCA | None = None, reverse_cap: float = 10.0) -> Calculator:
    """The calculator for the next member, given the earlier members' descriptor ``outputs``."""
    if settings.loss == "moments":
        return GRSCalculator(descriptor, target, w1=settings.w1, w2=settings.w2, loss=loss, core=core,
                             others=[(o.values, o.numbers) for o in outputs], reverse_cap=reverse_cap)
    points = target.values[:: max(1, len(target.values) // ENTROPY_POINTS)]  # a subsample suffices
    return EntropyCalculator(descriptor, pca, pca.whiten(points), weight=settings.w2, core=core,
                             others=np.concatenate([o.values for o in outputs]) if outputs else None)


def grow_set(descriptor, target, make_candidate: Callable[[np.random.Generator], Atoms], settings: SetSettings,
             rng: np.random.Generator, *, core: RepulsiveCore | None = None, loss=None, pca: PCA | None = None,
             members: list[Atoms] | None = None, on_member: Callable | None = None) -> list[Atoms]:
    """Grow ``members`` (a list, continued in place if given) to ``settings.n_structures``.

    ``on_member(members)`` is called after each new member (for checkpoints and progress).
    ``pca`` (whitened coordinates) is needed for the entropy loss.
    """
    if settings.loss not in LOSSES:
        raise ConfigError(f"GRS set: unknown loss {settings.loss!r}; known: {list(LOSSES)}")
    if settings.loss == "entropy" and (pca is None or settings.anneal is None):
        raise ConfigError("GRS set: the entropy loss needs a PCA and annealing settings")
    members = [] if members is None else members
    outputs = [descriptor.compute(m) for m in members]
    while len(members) < settings.n_structures:
        start = make_candidate(rng)
        calc = member_calculator(descriptor, target, settings, outputs, core=core, loss=loss, pca=pca)
        atoms = start
        if settings.anneal is not None:
            search = Annealer(calc, settings.anneal, sorted(set(start.get_chemical_symbols())), atoms, rng)
            search.run()
            atoms = search.best
        if settings.loss == "moments" and settings.relax:
            atoms = relax(atoms, calc, **settings.relax)
        members.append(atoms)
        outputs.append(descriptor.compute(atoms))
        if on_member is not None:
            on_member(members)
    return members
