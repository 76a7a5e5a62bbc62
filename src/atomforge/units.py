"""Units: atomforge works in eV, Å and eV/Å internally.

Stress is stored as the 6-component Voigt vector ``[xx, yy, zz, yz, xz, xy]`` in eV/Å³ with the
ASE sign convention (positive = tensile), and shown to people in GPa. Every reader converts
at the boundary through :func:`stress_to_internal`, the one place where stress units and signs
are handled.
"""

from __future__ import annotations

import numpy as np
from ase import units as _ase_units

from .errors import ConfigError

#: Size of one unit of pressure in eV/Å³.
PRESSURE_UNITS: dict[str, float] = {
    "eV/A^3": 1.0,
    "GPa": _ase_units.GPa,
    "kbar": 0.1 * _ase_units.GPa,
    "bar": 1e-4 * _ase_units.GPa,
}

#: Sign that turns a stress of each convention into the ASE convention (positive = tensile).
STRESS_SIGNS: dict[str, float] = {"tensile": 1.0, "compressive": -1.0}

#: Conversion of 1 eV/Å³ to GPa.
EV_A3_TO_GPA = 1.0 / _ase_units.GPa


def stress_to_internal(stress, *, unit: str, positive: str) -> np.ndarray:
    """Convert a stress to Voigt ``[xx, yy, zz, yz, xz, xy]`` in eV/Å³, positive = tensile.

    Parameters
    ----------
    stress : array_like, shape (3, 3) or (6,)
        Full tensor, or Voigt vector already in ``[xx, yy, zz, yz, xz, xy]`` order
        (readers reorder other component orders before calling this).
    unit : str
        One of :data:`PRESSURE_UNITS`.
    positive : {"tensile", "compressive"}
        The sign convention of ``stress``.
    """
    if unit not in PRESSURE_UNITS:
        raise ConfigError(f"unknown pressure unit {unit!r}; known: {sorted(PRESSURE_UNITS)}")
    if positive not in STRESS_SIGNS:
        raise ConfigError(f"unknown stress sign convention {positive!r}; known: {sorted(STRESS_SIGNS)}")
    s = np.asarray(stress, dtype=float)
    if s.shape == (3, 3):
        s = np.array([s[0, 0], s[1, 1], s[2, 2], 0.5 * (s[1, 2] + s[2, 1]),
                      0.5 * (s[0, 2] + s[2, 0]), 0.5 * (s[0, 1] + s[1, 0])])
    elif s.shape != (6,):
        raise ValueError(f"stress must have shape (3, 3) or (6,), got {s.shape}")
    return s * PRESSURE_UNITS[unit] * STRESS_SIGNS[positive]


def voigt_to_matrix(voigt) -> np.ndarray:
    """Voigt ``[xx, yy, zz, yz, xz, xy]`` (..., 6) to symmetric matrices (..., 3, 3)."""
    v = np.asarray(voigt, dtype=float)
    m = np.empty(v.shape[:-1] + (3, 3))
    m[..., 0, 0], m[..., 1, 1], m[..., 2, 2] = v[..., 0], v[..., 1], v[..., 2]
    m[..., 1, 2] = m[..., 2, 1] = v[..., 3]
    m[..., 0, 2] = m[..., 2, 0] = v[..., 4]
    m[..., 0, 1] = m[..., 1, 0] = v[..., 5]
    return m


def matrix_to_voigt(matrix) -> np.ndarray:
    """Symmetric matrices (..., 3, 3) to Voigt ``[xx, yy, zz, yz, xz, xy]`` (..., 6)."""
    m = np.asarray(matrix, dtype=float)
    return np.stack([m[..., 0, 0], m[..., 1, 1], m[..., 2, 2],
                     m[..., 1, 2], m[..., 0, 2], m[..., 0, 1]], axis=-1)


#: Conversion of 1 eV/Å² to J/m² (surface and stacking-fault energies).
EV_A2_TO_J_M2 = _ase_units._e * 1e20

#: Conversion of 1 eV/Å² to mJ/m².
EV_A2_TO_MJ_M2 = EV_A2_TO_J_M2 * 1e3
