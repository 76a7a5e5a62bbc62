"""Descriptors of atomic environments, with sparse analytic gradients.

``DESCRIPTORS`` maps a config name to its class; :func:`make_descriptor` builds one from a spec.
"""

from __future__ import annotations

from ..errors import ConfigError
from .acsf import ACSF, WeightedACSF
from .base import Descriptor, DescriptorOutput
from .ead import EAD
from .snap import Bispectrum

DESCRIPTORS: dict[str, type] = {"snap": Bispectrum, "acsf": ACSF, "wacsf": WeightedACSF, "ead": EAD}


def make_descriptor(spec: dict) -> Descriptor:
    """Build a descriptor from ``{"name": ..., **hyperparameters}``."""
    spec = dict(spec)
    name = spec.pop("name", None)
    if name not in DESCRIPTORS:
        raise ConfigError(f"unknown descriptor {name!r}; known: {sorted(DESCRIPTORS)}")
    return DESCRIPTORS[name].from_dict(spec)


__all__ = ["ACSF", "DESCRIPTORS", "Bispectrum", "Descriptor", "DescriptorOutput", "EAD", "make_descriptor", "WeightedACSF"]
