"""The least-squares path of ``atomforge fit``: models linear in their coefficients (SNAP, qSNAP).

Computes descriptors frame by frame (with progress), builds the design matrix of energy, force and
stress rows (:mod:`.design`), solves it (:mod:`.solvers`) and sets the model's coefficients.
"""

from __future__ import annotations

import time

from ...errors import ConfigError
from ..weights import FitWeights
from .bayesian import solve_bayesian_ridge
from .design import DesignMatrix, frame_rows
from .solvers import solve_least_squares


def fit_least_squares(model, design: DesignMatrix, *, ridge: float | str = 0.0, rcond: float = 1e-12,
                      loss: str = "squared", max_iter: int = 50) -> dict:
    """Solve ``design`` for ``model`` (:class:`~atomforge.models.LinearInCoefficients`) and set its
    coefficients; returns the solver's info (rank, condition, residual; iterations for the absolute
    loss; α, β and the chosen λ for ``ridge="bayesian"``, :mod:`.bayesian`)."""
    if hasattr(model, "validate_params"):
        model.validate_params()
    if ridge == "bayesian":
        if loss != "squared":
            raise ConfigError(f"solver: ridge 'bayesian' needs loss 'squared', got loss {loss!r}")
        result = solve_bayesian_ridge(design.blocks(), n_columns=design.n_columns,
                                      unregularized=design.constant_columns)
    else:
        result = solve_least_squares(design.blocks, n_columns=design.n_columns,
                                     unregularized=design.constant_columns, ridge=ridge, rcond=rcond,
                                     loss=loss, max_iter=max_iter)
    model.set_coefficient_vector(result.coef)
    return result.info


def fit_least_squares_config(train, config, base=None, *, progress_factory=None):
    """Trainer entry (:data:`atomforge.fitting.trainers.TRAINERS`): fit ``config``'s model to ``train``.

    Returns (potential, info) with info = design size, timings and solver info.
    """
    from ..fit import build_potential_parts

    species = list(config.species) if config.species else train.species
    potential = build_potential_parts(config, species)
    descriptor, model = potential.descriptor, potential.model
    for name in ("n_columns", "energy_row", "row_gradients", "set_coefficient_vector"):
        if not hasattr(model, name):
            raise ConfigError(f"model {model.name!r} is not linear in its coefficients (no {name}); "
                              "it cannot be fitted by least squares")
    w = config.weights
    design = DesignMatrix.for_model(model, descriptor.n_features,
                                    FitWeights(w.energy, w.force, w.stress, dict(w.groups)))
    progress = progress_factory("descriptors + design matrix", len(train)) if progress_factory else None
    t0 = time.perf_counter()
    for frame in train:
        out = descriptor.compute(frame, gradients=w.force > 0 or w.stress > 0)
        design.add(frame_rows(model, frame, out, potential.pair, stress=w.stress > 0))
        if progress is not None:
            progress(1)
    t1 = time.perf_counter()
    s = config.solver
    solver_info = fit_least_squares(model, design, ridge=s.ridge, rcond=s.rcond, loss=s.loss, max_iter=s.max_iter)
    info = {"n_rows": design.n_rows, "n_columns": design.n_columns, "design_mib": design.nbytes / 2**20,
            "t_descriptors_s": t1 - t0, "t_solve_s": time.perf_counter() - t1, **solver_info}
    return potential, info
