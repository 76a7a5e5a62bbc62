<<<<<<< HEAD
"""Models of per-atom energies: linear and quadratic in a descriptor."""

from .linear import MODELS, LinearModel, QuadraticModel, make_model

__all__ = ["MODELS", "LinearModel", "QuadraticModel", "make_model"]
=======
"""Models: the learned part of a potential (linear, quadratic, spline MEAM, ...)."""
>>>>>>> smeam
