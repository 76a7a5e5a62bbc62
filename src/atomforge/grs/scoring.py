"""Scoring and local minimisation of structures with the GRS effective potential.

The global searches rank structures by V (the ``energy`` of :class:`GRSCalculator`); a
population is scored through :func:`atomforge.parallel.map_frames` (serial, process pool or Dask).
"""

from __future__ import annotations

import functools

import numpy as np
from ase import Atoms

from ..errors import ConfigError
from ..parallel import map_frames

OPTIMIZERS = ("FIRE", "BFGS", "LBFGS")


def score(calc, atoms: Atoms) -> float:
    """V of ``atoms`` under ``calc`` (energy only: no descriptor gradients)."""
    atoms = atoms.copy()
    atoms.calc = calc
    return float(atoms.get_potential_energy())


def score_and_weights(calc, atoms: Atoms) -> tuple[float, np.ndarray]:
    """V of ``atoms`` and its per-atom loss weights (shape (n_atoms,), ``atom_weights`` of
    :class:`GRSCalculator`), from one evaluation. ConfigError for a calculator without them
    (e.g. the entropy loss)."""
    v = score(calc, atoms)
    w = calc.results.get("atom_weights")
    if w is None:
        raise ConfigError(f"GRS: {type(calc).__name__} gives no per-atom loss weights (the entropy loss has "
                          "none): proposal 'loss_weighted' needs the moment loss; use proposal 'uniform'")
    return v, np.asarray(w, dtype=float)


def score_many(calc, structures: list[Atoms], *, executor: str = "serial", n_workers: int | None = None,
               address=None) -> np.ndarray:
    """V of every structure, shape (n_structures,), computed by ``executor``."""
    values = map_frames(functools.partial(score, calc), structures, executor=executor,
                        n_workers=n_workers, address=address, progress=False, description="GRS scores")
    return np.array(values, dtype=float)


def relax(atoms: Atoms, calc, *, fmax: float = 0.05, steps: int = 100, cell: bool = False,
          optimizer: str = "FIRE") -> Atoms:
    """Local minimum of V from ``atoms`` (a copy) with an ASE optimiser; ``cell`` relaxes the cell
    too (``UnitCellFilter``). Stops at ``fmax`` (units of V per Å) or after ``steps``."""
    from ase import optimize
    from ase.filters import UnitCellFilter

    if optimizer not in OPTIMIZERS:
        raise ConfigError(f"GRS relax: unknown optimizer {optimizer!r}; known: {list(OPTIMIZERS)}")
    out = atoms.copy()
    out.calc = calc
    obj = UnitCellFilter(out) if cell else out
    getattr(optimize, optimizer)(obj, logfile=None).run(fmax=fmax, steps=steps)
    out.calc = None
    out.wrap()
    return out
