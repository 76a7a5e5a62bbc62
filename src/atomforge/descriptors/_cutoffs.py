"""Smooth cutoff functions f_c(r) of the atom-centred descriptors (ACSF, weighted ACSF, EAD).

With x = r / r_c and f_c = 0 for r ≥ r_c (Singraber, Behler, Dellago, J. Chem. Theory Comput. 15,
1827 (2019), Table 1; the same forms as pyxtal_ff's ``cutoff.py``):

=========  ============================================  ========================
name       f_c(x)                                         smooth at r_c up to
=========  ============================================  ========================
cosine     (cos(πx) + 1) / 2                              first derivative
tanh       tanh³(1 − x)                                   second derivative
poly1      x²(2x − 3) + 1                                 first derivative
poly2      x³(x(15 − 6x) − 10) + 1                        second derivative
poly3      x⁴(x(x(20x − 70) + 84) − 35) + 1               third derivative
poly4      x⁵(x(x(x(315 − 70x) − 540) + 420) − 126) + 1   fourth derivative
=========  ============================================  ========================
"""

from __future__ import annotations

from typing import Literal, get_args

import numpy as np
from numba import njit

CutoffName = Literal["cosine", "tanh", "poly1", "poly2", "poly3", "poly4"]
CUTOFF_FUNCTIONS = get_args(CutoffName)


@njit(cache=True, fastmath=False)
def cutoff_and_derivative(kind, r, rc):
    """f_c(r) and df_c/dr (1/Å) of cutoff ``CUTOFF_FUNCTIONS[kind]``; both zero for r ≥ rc."""
    if r >= rc:
        return 0.0, 0.0
    x = r / rc
    if kind == 0:
        return 0.5 * (np.cos(np.pi * x) + 1.0), -0.5 * np.pi / rc * np.sin(np.pi * x)
    if kind == 1:
        t = np.tanh(1.0 - x)
        return t * t * t, -3.0 * t * t * (1.0 - t * t) / rc
    if kind == 2:
        return x * x * (2.0 * x - 3.0) + 1.0, 6.0 * x * (x - 1.0) / rc
    if kind == 3:
        y = x * (x - 1.0)
        return x * x * x * (x * (15.0 - 6.0 * x) - 10.0) + 1.0, -30.0 * y * y / rc
    if kind == 4:
        y = x * (x - 1.0)
        return (x**4 * (x * (x * (20.0 * x - 70.0) + 84.0) - 35.0) + 1.0, 140.0 * y * y * y / rc)
    y = x * (x - 1.0)
    return (x**5 * (x * (x * (x * (315.0 - 70.0 * x) - 540.0) + 420.0) - 126.0) + 1.0,
            -630.0 * y * y * y * y / rc)
