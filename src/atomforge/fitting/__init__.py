"""Fitting: one entry point (:func:`fit_dataset`, :func:`fit_from_config`) over the trainer registry.

- :mod:`.config`: the ``atomforge fit`` YAML schema; :mod:`.weights`, :mod:`.metrics`: shared.
- :mod:`.trainers`: model kind → training procedure.
- :mod:`.linear`: least squares for models linear in their coefficients (design matrices, solvers).
- :mod:`.smeam`: spline MEAM by CMA-ES over precomputed structure vectors.
"""

from .fit import FitResult, fit_dataset, fit_from_config
from .trainers import TRAINERS, Trainer, trainer_for
from .weights import FitWeights

__all__ = ["TRAINERS", "FitResult", "FitWeights", "Trainer", "fit_dataset", "fit_from_config", "trainer_for"]
