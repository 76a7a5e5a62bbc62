"""Row weights of a fit: one weight per kind of row (energy, force, stress), per group and per frame.

The weight of a row is ``kind_weight × group_weight × frame.weight``; the fit minimises
Σ_rows (weight · residual)². Energy rows are energies per atom (eV/atom), force rows
components (eV/Å), stress rows Voigt components in GPa, so the kind weights are in atom/eV,
Å/eV and 1/GPa: with energy weight 100 and force weight 1, an error of 1 meV/atom counts as much as
one of 0.1 eV/Å in one force component.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import ConfigError

#: Row kinds of a design matrix.
ENERGY, FORCE, STRESS = 0, 1, 2
KIND_NAMES = ("energy", "force", "stress")


@dataclass
class FitWeights:
    """Weights of energy, force and stress rows, and per-group multipliers.

    Attributes
    ----------
    energy : float, atom/eV
    force : float, Å/eV
    stress : float, 1/GPa (0 leaves stresses out)
    groups : dict of str to float or dict
        Multiplier of the rows of a frame of that group (default 1; 0 leaves the group out):
        one number for all its rows, or ``{"energy": ..., "force": ..., "stress": ...}`` per kind
        (missing kinds 1).
    """

    energy: float = 1.0
    force: float = 1.0
    stress: float = 0.0
    groups: dict[str, float | dict[str, float]] = field(default_factory=dict)

    def __post_init__(self):
        for name in ("energy", "force", "stress"):
            v = getattr(self, name)
            if not np.isfinite(v) or v < 0:
                raise ConfigError(f"weights: {name} must be finite and >= 0, got {v}")
        for g, v in self.groups.items():
            values = v.values() if isinstance(v, dict) else [v]
            if isinstance(v, dict) and set(v) - set(KIND_NAMES):
                raise ConfigError(f"weights.groups.{g}: unknown kind(s) {sorted(set(v) - set(KIND_NAMES))}; "
                                  f"allowed: {list(KIND_NAMES)}")
            if not all(np.isfinite(x) and x >= 0 for x in values):
                raise ConfigError(f"weights.groups.{g} must be finite and >= 0, got {v}")

    def group_multipliers(self, group: str) -> np.ndarray:
        """Multipliers (3,) of energy, force and stress rows of ``group``."""
        v = self.groups.get(group, 1.0)
        if isinstance(v, dict):
            return np.array([v.get(k, 1.0) for k in KIND_NAMES], dtype=float)
        return np.full(3, float(v))

    def row_weights(self, kinds: np.ndarray, group: str, frame_weight: float = 1.0) -> np.ndarray:
        """Weights (n_rows,) of the rows of one frame, given their ``kinds`` (n_rows,) int."""
        per_kind = np.array([self.energy, self.force, self.stress]) * self.group_multipliers(group)
        return per_kind[kinds] * frame_weight
