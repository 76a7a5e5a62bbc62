"""Models: the learned part of a potential (linear, quadratic, spline MEAM, ...).

``SplineMEAM`` lives in :mod:`atomforge.models.meam_spline` (imported on demand).
"""

from .linear import MODELS, LinearModel, QuadraticModel, make_model

__all__ = ["MODELS", "LinearModel", "QuadraticModel", "make_model"]
