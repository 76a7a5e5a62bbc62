"""The embedded atom density (EAD) descriptor.

Zhang, Hu, Jiang, J. Phys. Chem. Lett. 10, 4962 (2019) (embedded atom neural network); as
written in pyxtal_ff's documentation (Yanxon et al., Mach. Learn.: Sci. Technol. 2, 027001
(2021)). For center i, Gaussian channel a = (η, R_s) and angular momentum L ≤ L_max:

    ρ_i[L, a] = r_c^(−2L) Σ_{l_x+l_y+l_z=L} L! / (l_x! l_y! l_z!) (Σ_j w_j φ_a(r_ij) x^l_x y^l_y z^l_z)²,
    φ_a(r) = exp(−η (r − R_s)²) f_c(r),

with (x, y, z) = r_j − r_i in Å and w_j the weight of j's element (atomic number by default, as
pyxtal_ff). By the multinomial theorem ρ_i[L, a] = r_c^(−2L) Σ_jk w_j w_k φ_a(r_ij) φ_a(r_ik)
(r_ij · r_ik)^L, a rotation invariant. The factor r_c^(−2L) is pyxtal_ff's scaling.

pyxtal_ff 0.2.3's code (``EAD.py``) sums the squares over all l_x + l_y + l_z ≤ L rather than = L;
its features are x[L, a] = Σ_{L' ≤ L} (L! / L'!) r_c^(2(L' − L)) ρ[L', a] of ours (see
:func:`pyxtal_ff_features`). Feature order is pyxtal_ff's: L, then η, then R_s.
"""

from __future__ import annotations

from math import factorial
from typing import ClassVar

import numpy as np
from ase.data import atomic_numbers

from ..errors import ConfigError
from ._cutoffs import CUTOFF_FUNCTIONS, CutoffName
from ._ead_kernels import embedded_atom_density
from ._neighborhoods import check_elements, neighborhoods, per_element, with_pair_rows
from .base import DescriptorBase, DescriptorOutput


def pyxtal_ff_features(values: np.ndarray, lmax: int, rcut: float) -> np.ndarray:
    """pyxtal_ff 0.2.3 ``EAD`` features from ours (n_atoms or n_pairs, n_features, ...)."""
    n_a = values.shape[1] // (lmax + 1)
    blocks = values.reshape(values.shape[0], lmax + 1, n_a, *values.shape[2:])
    out = np.zeros_like(blocks)
    for big in range(lmax + 1):
        for low in range(big + 1):
            out[:, big] += factorial(big) / factorial(low) * rcut ** (2 * (low - big)) * blocks[:, low]
    return out.reshape(values.shape)


def _fmt(x: float) -> str:
    return f"{float(x):.10g}"


class EAD(DescriptorBase):
    """Embedded atom density ρ[L, η, R_s] of every atom, with sparse analytic gradients.

    Parameters (keyword only)
    ----------
    elements : list of str
        Element symbols (the order of ``weights`` given as a list).
    rcut : float
        Cutoff radius r_c, Å (default 5.0, pyxtal_ff's default).
    cutoff_function : str
        One of ``cosine`` (default), ``tanh``, ``poly1`` … ``poly4`` (see ``_cutoffs``).
    lmax : int
        Largest angular momentum L_max ≥ 0 (default 3, the f-orbital-like terms).
    etas : list of float
        Gaussian widths η, 1/Å² (default [0.36]).
    rs : list of float
        Gaussian centres R_s, Å (default 0, 0.75, …, 4.5: pyxtal_ff's Si example).
    weights : list of float or dict element → float, optional
        Neighbour weight per element; default the atomic number Z (pyxtal_ff).

    Notes
    -----
    ``compute`` returns ``grad[p] = +∂ρ_i/∂r_j`` for every pair ``(i, j) = pairs[p]``: one self
    row per center, then one row per neighbour image. The feature count, (L_max + 1) × n_η × n_Rs,
    does not depend on the number of elements.
    """

    name: ClassVar[str] = "ead"

    def __init__(self, *, elements: list[str], rcut: float = 5.0, cutoff_function: CutoffName = "cosine",
                 lmax: int = 3, etas: list[float] = (0.36,),
                 rs: list[float] = (0.0, 0.75, 1.5, 2.25, 3.0, 3.75, 4.5),
                 weights: list[float] | dict[str, float] | None = None):
        self.elements = list(elements)
        self.rcut = rcut
        self.cutoff_function = cutoff_function
        self.lmax = lmax
        self.etas = etas
        self.rs = rs
        self.weights = weights

    def _bad(self, key, allowed):
        raise ConfigError(f"EAD: '{key}' must be {allowed}, got {getattr(self, key)!r}")

    def _weights(self) -> np.ndarray:
        return per_element("EAD", "weights", self.weights, self.elements, lambda s: atomic_numbers[s])

    def _check(self) -> None:
        check_elements("EAD", self.elements)
        if not (isinstance(self.rcut, (int, float)) and self.rcut > 0):
            self._bad("rcut", "a positive number (Å)")
        if self.cutoff_function not in CUTOFF_FUNCTIONS:
            self._bad("cutoff_function", f"one of {list(CUTOFF_FUNCTIONS)}")
        if not isinstance(self.lmax, (int, np.integer)) or self.lmax < 0:
            self._bad("lmax", "an integer >= 0")
        etas, rs = np.asarray(self.etas, dtype=float), np.asarray(self.rs, dtype=float)
        if etas.ndim != 1 or not len(etas) or np.any(etas < 0) or len(set(etas)) != len(etas):
            self._bad("etas", "a non-empty list of distinct numbers >= 0 (1/Å²)")
        if rs.ndim != 1 or not len(rs) or not np.all(np.isfinite(rs)) or len(set(rs)) != len(rs):
            self._bad("rs", "a non-empty list of distinct numbers (Å)")
        self._weights()

    @property
    def cutoff(self) -> float:
        """r_c, Å."""
        return float(self.rcut)

    @property
    def n_features(self) -> int:
        return (int(self.lmax) + 1) * len(self.etas) * len(self.rs)

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(f"EAD[L={big}](eta={_fmt(e)},Rs={_fmt(r)})"
                     for big in range(int(self.lmax) + 1) for e in self.etas for r in self.rs)

    def compute(self, frame, *, gradients: bool = False) -> DescriptorOutput:
        """ρ of every atom of ``frame`` (a Frame or ase.Atoms).

        Returns
        -------
        DescriptorOutput
            ``values`` (n_atoms, n_features); with ``gradients``: ``pairs`` (n_pairs, 2),
            ``grad`` (n_pairs, n_features, 3) = +∂ρ_i/∂r_j in 1/Å, ``vectors`` (n_pairs, 3) Å.
        """
        self._check()
        _, env = neighborhoods(frame, self.elements, float(self.rcut))
        weight = np.ascontiguousarray(self._weights()[env.types[env.j]])
        values, grad = embedded_atom_density(
            (env.offsets, env.vectors, env.dist, weight), CUTOFF_FUNCTIONS.index(self.cutoff_function),
            float(self.rcut), np.asarray(self.etas, dtype=np.float64), np.asarray(self.rs, dtype=np.float64),
            int(self.lmax), gradients)
        if not gradients:
            return DescriptorOutput(values=values, numbers=env.numbers)
        return with_pair_rows(env, values, grad)
