"""Forces and stress of any descriptor-based model: the one chain rule over sparse gradients.

With per-atom energies E_i(B_i) and ``grad[p] = ∂B_i/∂r_j`` for ``(i, j) = pairs[p]``:

    F_j = −Σ_p [pairs[p,1] = j] Σ_k (∂E_i/∂B_ik) grad[p, k]
    σ   = (1/V) Σ_p  g_p ⊗ d_p,   g_p = Σ_k (∂E_i/∂B_ik) grad[p, k],   d_p = vectors[p]

σ is ∂E/∂ε / V, the ASE convention (positive = tensile). Self pairs have d_p = 0 and add
nothing to σ; their gradient carries the force on the center.
"""

from __future__ import annotations

import numpy as np

from .descriptors.base import DescriptorOutput
from .units import matrix_to_voigt


def pair_energy_gradients(dE_dB: np.ndarray, output: DescriptorOutput) -> np.ndarray:
    """∂E_i/∂r_j for every pair, shape (n_pairs, 3), eV/Å.

    Parameters
    ----------
    dE_dB : ndarray, shape (n_atoms, n_features), eV per feature unit
    output : DescriptorOutput with gradients
    """
    if output.grad is None:
        raise ValueError("descriptor output has no gradients; compute with gradients=True")
    centers = output.pairs[:, 0]
    # a batched (1, k) @ (k, 3) product: about 3× faster than the equivalent einsum
    return np.matmul(dE_dB[centers][:, None, :], output.grad)[:, 0, :]  # (n_pairs, 3)


def forces_and_stress(dE_dB: np.ndarray, output: DescriptorOutput,
                      volume: float | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Forces (n_atoms, 3) in eV/Å and stress (6,) Voigt in eV/Å³ (None if ``volume`` is None)."""
    g = pair_energy_gradients(dE_dB, output)  # (n_pairs, 3)
    n = output.n_atoms
    forces = np.zeros((n, 3))
    for c in range(3):
        forces[:, c] = -np.bincount(output.pairs[:, 1], weights=g[:, c], minlength=n)
    stress = None
    if volume is not None:
        sigma = g.T @ output.vectors / volume  # (3, 3)
        stress = matrix_to_voigt(0.5 * (sigma + sigma.T))
    return forces, stress
