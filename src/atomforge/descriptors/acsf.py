"""Atom-centred symmetry functions (Behler–Parrinello G2, G4, G5), plain and weighted.

Behler, J. Chem. Phys. 134, 074106 (2011), eqs. 6, 8, 9; parameter grids of Imbalzano et al.,
J. Chem. Phys. 148, 241730 (2018); element weighting of Gastegger et al., J. Chem. Phys. 148,
241709 (2018). The formulas and the gradient layout are in ``_acsf_kernels``.

Conventions (where implementations differ):

* G4 and G5 sum over **unordered** neighbour pairs {j, k}, each once, with the prefactor
  2^(1−ζ). Behler's printed double sum Σ_j Σ_{k≠j} counts each pair twice (twice our value);
  dscribe and pyxtal_ff count each pair once, as here.
* G4 damps with exp(−η (r_ij² + r_ik² + r_jk²)) f_c(r_ij) f_c(r_ik) f_c(r_jk); G5 drops the
  r_jk terms (Behler 2011 eq. 9).
* ``ACSF`` features: G2 blocks per neighbour element in ``elements`` order, then G4 and G5 blocks
  per unordered element pair (a, b), a ≤ b, in the order (0,0), (0,1), …, (0,n−1), (1,1), …;
  within a block, the parameters in the order given. dscribe orders the species by atomic
  number, pairs as (0,0), (0,1), (1,1), (0,2), …, puts a G1 (= G2 with η = 0) first in each G2
  block and interleaves G4 and G5 per pair.
"""

from __future__ import annotations

from typing import ClassVar, Literal, get_args

import numpy as np
from ase.data import atomic_numbers

from ..errors import ConfigError
from ._acsf_kernels import angular_table, symmetry_functions
from ._cutoffs import CUTOFF_FUNCTIONS, CutoffName
from ._neighborhoods import check_elements, neighborhoods, per_element, with_pair_rows
from .base import DescriptorBase, DescriptorOutput

RadialRule = Literal["imbalzano", "centred", "shifted"]
RADIAL_RULES = get_args(RadialRule)


def imbalzano_radial(n_intervals: int, rcut: float, rule: str = "imbalzano") -> np.ndarray:
    """(η, R_s) pairs of Imbalzano et al. (2018), sec. II C, for n intervals and cutoff r_c.

    ``centred``: R_s = 0, η_m = (n^(m/n) / r_c)², m = 0 … n (n + 1 functions).
    ``shifted``: r_m = r_c / n^(m/n); R_s = r_m and η = 1 / (r_(m−1) − r_m)², m = 1 … n
    (n functions, listed by increasing R_s). ``imbalzano``: both.

    Returns
    -------
    ndarray, shape (n_functions, 2): η in 1/Å², R_s in Å.
    """
    n = n_intervals
    m = np.arange(n + 1)
    centred = np.column_stack([(n ** (m / n) / rcut) ** 2, np.zeros(n + 1)])
    r = rcut / n ** (m / n)
    shifted = np.column_stack([1.0 / (r[:-1] - r[1:]) ** 2, r[1:]])[::-1]
    return {"centred": centred, "shifted": shifted,
            "imbalzano": np.vstack([centred, shifted])}[rule]


def imbalzano_angular(n_intervals: int, rcut: float, zetas) -> np.ndarray:
    """(η, ζ, λ) triples: the centred η grid of :func:`imbalzano_radial` × ``zetas`` × λ = ∓1."""
    etas = imbalzano_radial(n_intervals, rcut, "centred")[:, 0]
    return np.array([(e, z, lam) for e in etas for z in zetas for lam in (-1.0, 1.0)], dtype=float)


def _fmt(x: float) -> str:
    return f"{float(x):.10g}"


class ACSF(DescriptorBase):
    """Behler–Parrinello symmetry functions G2, G4, G5 per neighbour element (pair).

    Parameters (keyword only)
    ----------
    elements : list of str
        Element symbols; G2 has one block per element, G4/G5 one per unordered element pair.
    rcut : float
        Cutoff radius r_c, Å (default 5.0, pyxtal_ff's default).
    cutoff_function : str
        One of ``cosine`` (default), ``tanh``, ``poly1`` … ``poly4`` (see ``_cutoffs``).
    g2 : list of (η 1/Å², R_s Å) or str
        Radial functions, or a rule of :func:`imbalzano_radial` (``imbalzano`` (default),
        ``centred``, ``shifted``) applied with ``n_intervals`` and ``rcut``. ``[]``: none.
    g4, g5 : list of (η 1/Å², ζ, λ) or str
        Angular functions, or ``imbalzano`` (:func:`imbalzano_angular` with ``n_intervals``,
        ``rcut``, ``zetas``). ζ ≥ 1 (the gradient of (1 + λ cos θ)^ζ is infinite at collinear
        neighbours otherwise), −1 ≤ λ ≤ 1. Default: G4 ``imbalzano``, no G5.
    n_intervals : int
        n of the Imbalzano rules, ≥ 2 (default 3: 7 G2 and 16 G4 per channel).
    zetas : list of float
        ζ values of the generated angular functions (default 1, 4).

    Notes
    -----
    ``compute`` returns ``grad[p] = +∂G_i/∂r_j`` (1/Å times the feature unit) for every pair
    ``(i, j) = pairs[p]``: one self row per center, then one row per neighbour image. G4/G5 are
    three-body terms: the row of neighbour j holds the terms of every pair {j, k} at center i.
    """

    name: ClassVar[str] = "acsf"

    def __init__(self, *, elements: list[str], rcut: float = 5.0, cutoff_function: CutoffName = "cosine",
                 g2: list[list[float]] | RadialRule = "imbalzano",
                 g4: list[list[float]] | Literal["imbalzano"] = "imbalzano",
                 g5: list[list[float]] | Literal["imbalzano"] = (), n_intervals: int = 3,
                 zetas: list[float] = (1.0, 4.0)):
        self.elements = list(elements)
        self.rcut = rcut
        self.cutoff_function = cutoff_function
        self.g2 = g2
        self.g4 = g4
        self.g5 = g5
        self.n_intervals = n_intervals
        self.zetas = zetas

    # -- parameters ---------------------------------------------------------------------------
    def _bad(self, key, allowed):
        raise ConfigError(f"{type(self).__name__}: '{key}' must be {allowed}, got {getattr(self, key)!r}")

    def _generated(self) -> bool:
        return any(isinstance(getattr(self, k), str) for k in ("g2", "g4", "g5"))

    def _radial_params(self) -> np.ndarray:
        if isinstance(self.g2, str):
            if self.g2 not in RADIAL_RULES:
                self._bad("g2", f"a list of (eta, Rs) or one of {list(RADIAL_RULES)}")
            return imbalzano_radial(int(self.n_intervals), float(self.rcut), self.g2)
        p = np.asarray(self.g2, dtype=float).reshape(-1, 2) if len(self.g2) else np.zeros((0, 2))
        if p.shape[0] != len(self.g2) or np.any(p[:, 0] < 0) or not np.all(np.isfinite(p)):
            self._bad("g2", "a list of (eta >= 0, Rs) pairs")
        return p

    def _angular_params(self, key: str) -> np.ndarray:
        value = getattr(self, key)
        if isinstance(value, str):
            if value != "imbalzano":
                self._bad(key, "a list of (eta, zeta, lambda) or 'imbalzano'")
            return imbalzano_angular(int(self.n_intervals), float(self.rcut), self.zetas)
        p = np.asarray(value, dtype=float).reshape(-1, 3) if len(value) else np.zeros((0, 3))
        if (p.shape[0] != len(value) or np.any(p[:, 0] < 0) or np.any(p[:, 1] < 1)
                or np.any(np.abs(p[:, 2]) > 1) or not np.all(np.isfinite(p))):
            self._bad(key, "a list of (eta >= 0, zeta >= 1, -1 <= lambda <= 1) triples")
        return p

    def _check(self) -> None:
        check_elements(type(self).__name__, self.elements)
        if not (isinstance(self.rcut, (int, float)) and self.rcut > 0):
            self._bad("rcut", "a positive number (Å)")
        if self.cutoff_function not in CUTOFF_FUNCTIONS:
            self._bad("cutoff_function", f"one of {list(CUTOFF_FUNCTIONS)}")
        if self._generated():
            if not isinstance(self.n_intervals, (int, np.integer)) or self.n_intervals < 2:
                self._bad("n_intervals", "an integer >= 2")
            if not len(self.zetas) or any(not z >= 1 for z in self.zetas):
                self._bad("zetas", "a non-empty list of numbers >= 1")
        names = self.feature_names
        if not names:
            raise ConfigError(f"{type(self).__name__}: no symmetry function: g2, g4 and g5 are all empty")
        if len(set(names)) != len(names):
            raise ConfigError(f"{type(self).__name__}: the same symmetry function is listed twice")

    # -- channels: element (pair) blocks ------------------------------------------------------
    def _channels(self):
        """G2 channel labels, G4/G5 channel labels, pair_channel (n_el, n_el) int64."""
        n = len(self.elements)
        pair_channel = np.zeros((n, n), dtype=np.int64)
        pairs = []
        for a in range(n):
            for b in range(a, n):
                pair_channel[a, b] = pair_channel[b, a] = len(pairs)
                pairs.append(f"{self.elements[a]},{self.elements[b]}")
        return [f"[{s}]" for s in self.elements], [f"[{p}]" for p in pairs], pair_channel

    def _neighbour_channels(self, types_j: np.ndarray):
        """Per pair: channel (int64) and weight of the neighbour."""
        return types_j, np.ones(len(types_j))

    # -- features -----------------------------------------------------------------------------
    @property
    def cutoff(self) -> float:
        """r_c, Å."""
        return float(self.rcut)

    @property
    def feature_names(self) -> tuple[str, ...]:
        c2, c4, _ = self._channels()
        prefix = "" if type(self) is ACSF else "w"
        names = [f"{prefix}G2{c}(eta={_fmt(e)},Rs={_fmt(r)})" for c in c2 for e, r in self._radial_params()]
        for key in ("g4", "g5"):
            names += [f"{prefix}{key.upper()}{c}(eta={_fmt(e)},zeta={_fmt(z)},lambda={_fmt(lam)})"
                      for c in c4 for e, z, lam in self._angular_params(key)]
        return tuple(names)

    @property
    def n_features(self) -> int:
        c2, c4, _ = self._channels()
        return (len(c2) * len(self._radial_params())
                + len(c4) * (len(self._angular_params("g4")) + len(self._angular_params("g5"))))

    # -- compute ------------------------------------------------------------------------------
    def compute(self, frame, *, gradients: bool = False) -> DescriptorOutput:
        """Symmetry functions of every atom of ``frame`` (a Frame or ase.Atoms).

        Returns
        -------
        DescriptorOutput
            ``values`` (n_atoms, n_features); with ``gradients``: ``pairs`` (n_pairs, 2),
            ``grad`` (n_pairs, n_features, 3) = +∂G_i/∂r_j in 1/Å, ``vectors`` (n_pairs, 3) Å.
        """
        self._check()
        _, env = neighborhoods(frame, self.elements, float(self.rcut))
        c2, c4, pair_channel = self._channels()
        chan, weight = self._neighbour_channels(env.types[env.j])
        kernel_env = (env.offsets, env.vectors, env.dist, np.ascontiguousarray(chan, dtype=np.int64),
                      np.ascontiguousarray(weight, dtype=np.float64))
        values, grad = symmetry_functions(
            kernel_env, CUTOFF_FUNCTIONS.index(self.cutoff_function), float(self.rcut),
            np.ascontiguousarray(self._radial_params()), angular_table(self._angular_params("g4")),
            angular_table(self._angular_params("g5")), pair_channel, (len(c2), len(c4)),
            self.n_features, gradients)
        if not gradients:
            return DescriptorOutput(values=values, numbers=env.numbers)
        return with_pair_rows(env, values, grad)


class WeightedACSF(ACSF):
    """Weighted symmetry functions (wACSF): one G2/G4/G5 block whatever the number of elements.

    The same functions as :class:`ACSF` with each neighbour j weighted by w_j (G2) and each pair by
    w_j w_k (G4, G5), summed over all neighbours (Gastegger et al., J. Chem. Phys. 148, 241709
    (2018), eqs. 8–9; pyxtal_ff ``ACSF(atom_weighted=True)``).

    Parameters
    ----------
    weights : list of float or dict element → float, optional
        w per element (list in ``elements`` order or dict); default: the atomic number Z, as
        pyxtal_ff. Other parameters as :class:`ACSF`.
    """

    name: ClassVar[str] = "wacsf"

    def __init__(self, *, elements: list[str], rcut: float = 5.0, cutoff_function: CutoffName = "cosine",
                 g2: list[list[float]] | RadialRule = "imbalzano",
                 g4: list[list[float]] | Literal["imbalzano"] = "imbalzano",
                 g5: list[list[float]] | Literal["imbalzano"] = (), n_intervals: int = 3,
                 zetas: list[float] = (1.0, 4.0),
                 weights: list[float] | dict[str, float] | None = None):
        super().__init__(elements=elements, rcut=rcut, cutoff_function=cutoff_function, g2=g2,
                         g4=g4, g5=g5, n_intervals=n_intervals, zetas=zetas)
        self.weights = weights

    def _check(self) -> None:
        super()._check()
        self._weights()

    def _weights(self) -> np.ndarray:
        return per_element(type(self).__name__, "weights", self.weights, self.elements,
                           lambda s: atomic_numbers[s])

    def _channels(self):
        return [""], [""], np.zeros((len(self.elements), len(self.elements)), dtype=np.int64)

    def _neighbour_channels(self, types_j: np.ndarray):
        return np.zeros(len(types_j), dtype=np.int64), self._weights()[types_j]
