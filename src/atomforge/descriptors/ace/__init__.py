"""Atomic Cluster Expansion: the descriptor, its basis enumeration, couplings and kernels."""

from .basis import ACEFunction, count_functions, enumerate_functions
from .descriptor import ACE

__all__ = ["ACE", "ACEFunction", "count_functions", "enumerate_functions"]
