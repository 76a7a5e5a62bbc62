"""Descriptors of atomic environments, with sparse analytic gradients.

``DESCRIPTORS`` maps a config name to its class; :func:`make_descriptor` builds one from a spec.
"""

from __future__ import annotations

from ..errors import ConfigError
from .ace import ACE
from .acsf import ACSF, WeightedACSF
from .base import Descriptor, DescriptorOutput
from .ead import EAD
from .snap import Bispectrum
from .so3 import PowerSpectrumSO3

DESCRIPTORS: dict[str, type] = {"snap": Bispectrum, "so3": PowerSpectrumSO3, "ace": ACE, "acsf": ACSF,
                                "wacsf": WeightedACSF, "ead": EAD}


def make_descriptor(spec: dict) -> Descriptor:
    """Build a descriptor from ``{"name": ..., **hyperparameters}``."""
    spec = dict(spec)
    name = spec.pop("name", None)
    if name not in DESCRIPTORS:
        raise ConfigError(f"unknown descriptor {name!r}; known: {sorted(DESCRIPTORS)}")
    return DESCRIPTORS[name].from_dict(spec)


__all__ = ["ACE", "ACSF", "DESCRIPTORS", "EAD", "Bispectrum", "Descriptor", "DescriptorOutput", "PowerSpectrumSO3",
           "WeightedACSF", "make_descriptor"]
