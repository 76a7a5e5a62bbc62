"""Forces and stress of any descriptor-based model: the one chain rule over sparse gradients.

With per-atom energies E_i(B_i) and ``grad[p] = ∂B_i/∂r_j`` for ``(i, j) = pairs[p]``:

    F_j = −Σ_p [pairs[p,1] = j] Σ_k (∂E_i/∂B_ik) grad[p, k]
    W   = Σ_p  g_p ⊗ d_p,   g_p = Σ_k (∂E_i/∂B_ik) grad[p, k],   d_p = vectors[p]

and σ = sym(W)/V is ∂E/∂ε / V, the ASE convention (positive = tensile). Self pairs have d_p = 0
and add nothing to W; their gradient carries the force on the center.

:func:`contract` is the one implementation. It works on NumPy arrays (prediction) and on torch
tensors (training, where the loss on forces must stay differentiable in the network weights); it
never imports torch itself (:mod:`atomforge.gradient_products` does, given tensors). Many structures
can be contracted at once: atom indices are then global over the batch and ``pair_structure`` says which structure each pair belongs to.
"""

from __future__ import annotations

import numpy as np

from .descriptors.base import DescriptorOutput
from .gradient_products import grouped_matvec
from .units import matrix_to_voigt


def _is_torch(a) -> bool:
    return type(a).__module__.startswith("torch")


def _scatter_add(values, index, n: int):
    """Σ over rows of ``values`` (n_rows, ...) into ``n`` rows by ``index`` (n_rows,)."""
    if _is_torch(values):
        out = values.new_zeros((n, *values.shape[1:]))
        return out.index_add(0, index, values)
    flat = values.reshape(len(values), -1)
    out = np.stack([np.bincount(index, weights=flat[:, c], minlength=n) for c in range(flat.shape[1])], axis=1)
    return out.reshape((n, *values.shape[1:]))


def contract(dE_dB, centers, neighbors, grad, vectors, n_atoms: int, pair_structure=None,
             n_structures: int = 1):
    """Forces and virials from ∂E_i/∂B_i and the sparse descriptor gradients.

    The pairs come either listed (``grad`` 3-D, as in :class:`DescriptorOutput`) or grouped by
    center (``grad`` 4-D, ``centers`` None): row i holds the pairs of center i in ``max_pairs``
    slots, unused slots with zero gradient. The grouped form needs no gather of ∂E/∂B per pair: one
    matrix–vector product per center (:func:`~atomforge.gradient_products.grouped_matvec`, what
    training uses, for speed).

    Parameters
    ----------
    dE_dB : array, shape (n_atoms, n_features), eV per feature unit
    centers : int array, shape (n_pairs,), or None (grouped)
        i of each pair (``pairs[:, 0]``).
    neighbors : int array, shape (n_pairs,), or (n_atoms, max_pairs) grouped
        j of each pair (``pairs[:, 1]``).
    grad : array, shape (n_pairs, n_features, 3), or (n_atoms, max_pairs, 3, n_features) grouped, 1/Å
        ∂B_i/∂r_j.
    vectors : array, shape (n_pairs, 3), or (n_atoms, max_pairs, 3) grouped, Å; or None (no virial)
    n_atoms : int
    pair_structure : int array, shape (n_pairs,) or (n_atoms, max_pairs), optional
        Structure of each pair when several are contracted at once (default: all in one).
    n_structures : int

    Returns
    -------
    forces : array, shape (n_atoms, 3), eV/Å
    virial : array, shape (n_structures, 3, 3), eV (W = Σ_p g_p ⊗ d_p), or None without vectors
    """
    if centers is None:  # grouped by center: g[i, s] = grad[i, s] @ ∂E_i/∂B_i
        n, m, _, k = grad.shape
        g = grouped_matvec(grad.reshape(n, 3 * m, k), dE_dB).reshape(n * m, 3)
        neighbors = neighbors.reshape(-1)
        vectors = vectors.reshape(-1, 3) if vectors is not None else None
        pair_structure = pair_structure.reshape(-1) if pair_structure is not None else None
    else:  # a batched (1, k) @ (k, 3) product: about 3× faster than the equivalent einsum
        g = (dE_dB[centers][:, None, :] @ grad)[:, 0, :]  # (n_pairs, 3)
    forces = -_scatter_add(g, neighbors, n_atoms)
    if vectors is None:
        return forces, None
    outer = g[:, :, None] * vectors[:, None, :]  # (n_pairs, 3, 3)
    if pair_structure is None:
        return forces, outer.sum(0)[None]
    return forces, _scatter_add(outer, pair_structure, n_structures)


def forces_and_stress(dE_dB: np.ndarray, output: DescriptorOutput,
                      volume: float | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Forces (n_atoms, 3) in eV/Å and stress (6,) Voigt in eV/Å³ (None if ``volume`` is None)."""
    if output.grad is None:
        raise ValueError("descriptor output has no gradients; compute with gradients=True")
    forces, virial = contract(dE_dB, output.pairs[:, 0], output.pairs[:, 1], output.grad,
                              output.vectors if volume is not None else None, output.n_atoms)
    if volume is None:
        return forces, None
    sigma = virial[0] / volume
    return forces, matrix_to_voigt(0.5 * (sigma + sigma.T))
