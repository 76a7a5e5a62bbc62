"""Generalized representative structures (GRS): small structures whose descriptor distribution
matches a target's, and sets of them that cover a data set (after Goff et al.).

No energy model: the descriptors alone steer the atoms, through the moment loss Q
(:mod:`.loss`) and the effective potential V = V_core + w1·Q + w2·Q_intra (:mod:`.effective`).
"""

from .core import RepulsiveCore
from .effective import GRSCalculator
from .loss import MomentLoss, moment_differences, moment_loss
from .target import Target, central_moments

__all__ = ["GRSCalculator", "MomentLoss", "RepulsiveCore", "Target", "central_moments", "moment_differences",
           "moment_loss"]
