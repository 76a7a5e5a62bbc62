"""The moment loss Q between a candidate's descriptor distribution and a target's, with ∂Q/∂B.

For each element e present in both, feature k and order p (1: mean, 2–4: central moments μ_p),

    ΔM[e,p,k] = ρ_p(μ_p[e,k](candidate)) − ρ_p(μ_p[e,k](target))
    ρ_1(μ)    = μ / s,    ρ_p(μ) = sign(μ) · [(|μ|/s^p + ε)^{1/p} − ε^{1/p}]   (p ≥ 2)
    s[e,k]    = sqrt(σ_k² + (floor · median_k σ)²)                (target with a reference scale σ)
              = sqrt(var_T[e,k] + (floor · rms_T[e])² + 1e-30)    (otherwise; normalize=False: s = 1)

    Q = Σ_p α_p Σ_e w_e mean_k f(ΔM[e,p,k])  +  c · Σ_e (x_e − x_e^T)²,   f(x) = x² or |x|,
    w_e = x_e^T / Σ_{e' present} x_e'^T   (the target's atom fractions: a mean over atoms).

Choices, and why:
- Central moments of the candidate (not standardised skewness/kurtosis, whose denominator
  vanishes for a perfect crystal) are compared, and each through its p-th root ρ_p, so every
  order is measured in units of s: raw μ_4/s⁴ differences grow as the eighth power of a
  distance once squared and drown the lower orders. ε (``root_eps``) makes ρ_p smooth at μ = 0
  (linear below |μ|/s^p ≈ ε); Q and ∂Q/∂B stay exact and finite.
- The unit s. A perfect-crystal target has no spread, so its own spread cannot be the unit: the
  floor alone (a fraction of the RMS feature value, the same for every feature) weighs features
  by their raw magnitudes and made the AuCu3 L1₂ search rugged (greedy descents stall far from
  L1₂). A target may therefore carry a reference scale σ_k (:meth:`Target.with_scale`, e.g. the
  spread over random candidates of the search): features are then measured against how much
  they vary between candidates; the floor is relative to the median positive σ_k (spreads span
  orders of magnitude between body orders, so an RMS would let the widest features set the
  floor of all). Otherwise s is the target's spread with a floor (features that vanish by
  symmetry), rms_T[e] the RMS of element e's target features.
- With squared f and α = (1, 1, 0, 0), Q of a crystal target is the mean over atoms of
  ‖(B_i − B_T[e_i])/s‖²: a sum of per-atom terms, which weighs elements by their atoms (w_e).
- The last term compares atom fractions x_e and has no force.
- ∂μ_p/∂B_i = (p/N)[(B_i − μ1)^{p−1} − μ_{p−1}] (μ_1 taken as 0) for p ≥ 2, ∂μ_1/∂B_i = 1/N.

Per-atom weights (:func:`atom_weights`, for loss-weighted proposals of the annealing): atom i of
element e gets w_i = w_e/(N_e K) · ‖(B_i − μ_1^T[e])/s[e]‖², its squared scaled deviation from
the target mean of its element (N_e atoms of e in the candidate; 0 for elements the target
lacks). Σ_i w_i = Q without the composition term when Q is squared, α = (1, 1, 0, 0) and the target
a crystal (zero spread), up to ε of ρ_2; otherwise it is a well-defined per-atom measure of misfit
that vanishes exactly when every atom sits at its element's target mean.

Reverse GRS: a negative weight w enters the effective potential as w·c·(1 − exp(−Q/c))
(:func:`weighted`), bounded below by w·c, so pushing away from the target stays finite.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ase.data import atomic_numbers

from ..errors import ConfigError
from .target import Target, central_moments

KINDS = ("squared", "absolute")


@dataclass(frozen=True)
class MomentLoss:
    """Settings of Q (see the module docstring).

    Parameters
    ----------
    alpha : tuple of 4 float
        Weights α_p of mean, variance, third and fourth central moments.
    kind : {"squared", "absolute"}
    normalize : bool
        Divide moment differences by s^p (the target's reference scale, else its spread).
    floor : float
        Floor of s relative to the median of the reference scale, or to the RMS of the
        element's target features (for features with no spread).
    composition_weight : float
        c, weight of the atom-fraction term.
    root_eps : float
        ε of the p-th roots ρ_p.
    """

    alpha: tuple = (1.0, 1.0, 1.0, 1.0)
    kind: str = "squared"
    normalize: bool = True
    floor: float = 0.01
    composition_weight: float = 1.0
    root_eps: float = 1e-4

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ConfigError(f"GRS loss: kind must be one of {list(KINDS)}, got {self.kind!r}")
        if len(self.alpha) != 4:
            raise ConfigError(f"GRS loss: alpha needs 4 weights (mean, μ2, μ3, μ4), got {self.alpha!r}")

    def scales(self, target: Target) -> np.ndarray:
        """s[e,k], shape (n_elements, n_features)."""
        shape = target.moments[:, 0].shape
        if not self.normalize:
            return np.ones(shape)
        if target.scale is not None:
            sigma = np.asarray(target.scale, dtype=float)
            floor = self.floor * (np.median(sigma[sigma > 0]) if np.any(sigma > 0) else 1.0)
            return np.broadcast_to(np.sqrt(sigma ** 2 + floor ** 2 + 1e-30), shape).copy()
        mean, var = target.moments[:, 0], target.moments[:, 1]
        rms = np.sqrt(np.mean(mean ** 2 + var, axis=1, keepdims=True))  # (n_elements, 1)
        return np.sqrt(var + (self.floor * rms) ** 2 + 1e-30)


def _rho(mu: np.ndarray, s: np.ndarray, p: int, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """ρ_p(μ) and dρ_p/dμ (see the module docstring), elementwise."""
    if p == 1:
        return mu / s, 1.0 / s
    x = np.abs(mu) / s ** p + eps
    return np.sign(mu) * (x ** (1.0 / p) - eps ** (1.0 / p)), x ** (1.0 / p - 1.0) / (p * s ** p)


def moment_differences(values: np.ndarray, numbers: np.ndarray, target: Target,
                       loss: MomentLoss) -> np.ndarray:
    """ΔM (root-scaled, see the module docstring), shape (n_elements, 4, n_features); NaN rows for
    elements missing on either side."""
    s = loss.scales(target)
    out = np.full(target.moments.shape, np.nan)
    for e, sym in enumerate(target.elements):
        rows = numbers == atomic_numbers[sym]
        if rows.any() and target.counts[e] > 0:
            m = central_moments(values[rows])
            for p in range(1, 5):
                out[e, p - 1] = (_rho(m[p - 1], s[e], p, loss.root_eps)[0]
                                 - _rho(target.moments[e, p - 1], s[e], p, loss.root_eps)[0])
    return out


def moment_loss(values: np.ndarray, numbers: np.ndarray, target: Target, loss: MomentLoss,
                *, gradient: bool = True) -> tuple[float, np.ndarray | None]:
    """Q and ∂Q/∂B.

    Parameters
    ----------
    values : ndarray, shape (n_atoms, n_features)
        Per-atom descriptors of the candidate (or of a pooled set of candidates).
    numbers : ndarray, shape (n_atoms,), int64
    target : Target
    loss : MomentLoss

    Returns
    -------
    q : float
    dq_db : ndarray, shape (n_atoms, n_features), or None when ``gradient`` is False
    """
    if values.shape[1] != target.n_features:
        raise ConfigError(f"GRS loss: candidate has {values.shape[1]} features, target "
                          f"{target.n_features}; was the target built with another descriptor?")
    s = loss.scales(target)
    alpha = np.asarray(loss.alpha, dtype=float)
    z = [atomic_numbers[sym] for sym in target.elements]
    present = [e for e, zz in enumerate(z) if target.counts[e] > 0 and np.any(numbers == zz)]
    x_t = target.composition
    total = sum(x_t[e] for e in present)
    q = 0.0
    dq = np.zeros_like(values) if gradient else None
    for e in present:
        rows = np.flatnonzero(numbers == z[e])
        norm = x_t[e] / (total * target.n_features)  # w_e / K
        b = values[rows]  # (N_e, K)
        n = len(rows)
        m = central_moments(b)
        d = b - m[0]
        powers = (None, d, d * d, d * d * d)  # d^(p-1) for p = 2, 3, 4
        for p in range(1, 5):
            rho, drho = _rho(m[p - 1], s[e], p, loss.root_eps)
            delta = rho - _rho(target.moments[e, p - 1], s[e], p, loss.root_eps)[0]
            if loss.kind == "squared":
                q += alpha[p - 1] * norm * np.sum(delta ** 2)
                df = 2.0 * delta
            else:
                q += alpha[p - 1] * norm * np.sum(np.abs(delta))
                df = np.sign(delta)
            if not gradient or alpha[p - 1] == 0:
                continue
            coef = alpha[p - 1] * norm * df * drho  # (K,)
            if p == 1:
                dmu = np.full_like(b, 1.0 / n)
            else:
                lower = 0.0 if p == 2 else m[p - 2]
                dmu = (p / n) * (powers[p - 1] - lower)
            dq[rows] += coef * dmu
    if loss.composition_weight:
        counts = np.array([np.sum(numbers == zz) for zz in z], dtype=float)
        x = counts / max(1.0, counts.sum())
        q += loss.composition_weight * float(np.sum((x - target.composition) ** 2))
    return float(q), dq


def atom_weights(values: np.ndarray, numbers: np.ndarray, target: Target, loss: MomentLoss) -> np.ndarray:
    """Per-atom weights w_i ≥ 0 (see the module docstring), shape (n_atoms,), for per-atom
    descriptors ``values`` (n_atoms, n_features) and atomic ``numbers`` (n_atoms,)."""
    s = loss.scales(target)
    z = [atomic_numbers[sym] for sym in target.elements]
    present = [e for e, zz in enumerate(z) if target.counts[e] > 0 and np.any(numbers == zz)]
    total = sum(target.composition[e] for e in present)
    w = np.zeros(len(values))
    for e in present:
        rows = np.flatnonzero(numbers == z[e])
        d = (values[rows] - target.moments[e, 0]) / s[e]
        w[rows] = target.composition[e] / (total * target.n_features * len(rows)) * np.sum(d * d, axis=1)
    return w


def weighted(weight: float, q: float, cap: float) -> tuple[float, float]:
    """Contribution of a loss term to V and its derivative dV/dQ.

    ``weight · q`` for weight ≥ 0; for reverse GRS (weight < 0) the bounded
    ``weight · cap · (1 − exp(−q/cap))``.
    """
    if weight >= 0:
        return weight * q, weight
    e = np.exp(-q / cap)
    return weight * cap * (1.0 - e), weight * e
