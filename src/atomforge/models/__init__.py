"""Models: the learned part of a potential.

``MODELS`` maps a config name to a descriptor-based model class (:mod:`.base` gives the protocol);
:class:`DescriptorPotential` combines a descriptor, a model and a pair term. ``SplineMEAM``
(:mod:`atomforge.models.meam_spline`) is a potential of its own, fitted whole. ``GaussianProcessModel``
(:mod:`.gaussian_process`) is a sparse GP of per-atom energies with predictive variance.
"""

from __future__ import annotations

from ..errors import ConfigError
from .base import LinearInCoefficients, Model, ModelBase
from .descriptor_potential import DescriptorPotential
from .finnis_sinclair import FinnisSinclairModel
from .gaussian_process import GaussianProcessModel
from .linear import LinearModel, QuadraticModel
from .neural_network import NeuralNetworkModel

#: Model registry: config name → class.
MODELS: dict[str, type] = {"linear": LinearModel, "quadratic": QuadraticModel, "nn": NeuralNetworkModel,
                           "gpr": GaussianProcessModel, "finnis_sinclair": FinnisSinclairModel}


def make_model(spec: dict, arrays: dict | None = None):
    """Build a model from ``{"name": ..., **hyperparameters}`` (and its learned ``arrays``)."""
    spec = dict(spec)
    name = spec.get("name")
    if name not in MODELS:
        raise ConfigError(f"unknown model {name!r}; known: {sorted(MODELS)}")
    return MODELS[name].from_dict(spec, arrays or {})


__all__ = ["MODELS", "DescriptorPotential", "FinnisSinclairModel", "GaussianProcessModel", "LinearInCoefficients",
           "LinearModel", "Model", "ModelBase", "NeuralNetworkModel", "QuadraticModel", "make_model"]
