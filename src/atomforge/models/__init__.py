"""Models: the learned part of a potential (linear, quadratic, spline MEAM, ...)."""

from .linear import MODELS, LinearModel, QuadraticModel, make_model

__all__ = ["MODELS", "LinearModel", "QuadraticModel", "make_model"]
