"""Products of ∂E/∂B with sparse descriptor gradients, and their transposes: the inner loop of every
force calculation and gradient-based fit, in the two layouts the package uses.

Grouped by center (padded): ``g[i, r] = Σ_k grad[i, r, k] u[i, k]`` for grad (n_atoms, n_rows,
n_features) and u (n_atoms, n_features): one small matrix–vector product per atom
(:func:`grouped_matvec`, :func:`atomforge.chain_rule.contract`'s grouped form, what neural-network
training uses). numba reads ``grad`` once per product at memory speed (torch's batched ``bmm`` of the
same shapes takes 3–9× longer on one CPU thread). On torch tensors it is an autograd function, so a
loss on the forces stays differentiable in ``u`` (first order: the transpose product is its backward).

Listed, sorted by center: ``grad[p] = ∂B_i/∂r_j`` (n_pairs, n_features, 3), ``starts`` (n_atoms + 1)
giving each center's rows (:func:`pair_forces` and its transpose :func:`pair_backward`, what the
Finnis–Sinclair trainer uses on the rows it keeps).
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numba import njit, prange

#: Reassociation lets the dot product over features use SIMD; results are deterministic run to run.
_FASTMATH = {"reassoc", "contract"}


@njit(parallel=True, cache=True, fastmath=_FASTMATH)
def _matvec(grad, u, out):
    n, r, k = grad.shape
    for i in prange(n):
        for a in range(r):
            s = 0.0
            for c in range(k):
                s += grad[i, a, c] * u[i, c]
            out[i, a] = s


@njit(parallel=True, cache=True, fastmath=_FASTMATH)
def _rmatvec(grad, v, out):
    n, r, k = grad.shape
    for i in prange(n):
        for c in range(k):
            out[i, c] = 0.0
        for a in range(r):
            d = v[i, a]
            for c in range(k):
                out[i, c] += grad[i, a, c] * d


def grouped_matvec(grad, u):
    """``g[i, r] = Σ_k grad[i, r, k] u[i, k]``: (n, r, k) × (n, k) → (n, r), NumPy or torch (one dtype)."""
    if type(grad).__module__.startswith("torch"):
        return _torch_function().apply(grad, u)
    out = np.empty(grad.shape[:2], dtype=np.result_type(grad, u))
    _matvec(np.ascontiguousarray(grad), np.ascontiguousarray(u), out)
    return out


@cache
def _torch_function():
    import torch

    class GroupedMatvec(torch.autograd.Function):
        """:func:`grouped_matvec` for tensors; ``grad`` is data (not differentiated), ``u`` is."""

        @staticmethod
        def forward(ctx, grad, u):
            if grad.requires_grad:
                raise ValueError("grouped_matvec differentiates in u only; grad must be data")
            grad = grad.contiguous()
            ctx.save_for_backward(grad)
            out = grad.new_empty(grad.shape[:2])
            _matvec(grad.numpy(), u.detach().contiguous().numpy(), out.numpy())
            return out

        @staticmethod
        @torch.autograd.function.once_differentiable
        def backward(ctx, d_out):
            (grad,) = ctx.saved_tensors
            d_u = grad.new_empty((grad.shape[0], grad.shape[2]))
            _rmatvec(grad.numpy(), d_out.contiguous().numpy(), d_u.numpy())
            return None, d_u

    return GroupedMatvec


@njit(cache=True, fastmath=False, parallel=True)
def pair_forces(d, grad, starts):
    """g_p = Σ_k d[i_p, k] grad[p, k, :], shape (n_pairs, 3): ∂E_i/∂r_j of each pair (listed layout)."""
    n_atoms, n_feat = d.shape
    g = np.zeros((grad.shape[0], 3))
    for i in prange(n_atoms):
        for p in range(starts[i], starts[i + 1]):
            for k in range(n_feat):
                dk = d[i, k]
                for c in range(3):
                    g[p, c] += dk * grad[p, k, c]
    return g


@njit(cache=True, fastmath=False, parallel=True)
def pair_backward(b, grad, starts, n_atoms):
    """D[i, k] = Σ_{p of center i} Σ_c b[p, c] grad[p, k, c], shape (n_atoms, n_features) (listed layout)."""
    n_feat = grad.shape[1]
    out = np.zeros((n_atoms, n_feat))
    for i in prange(n_atoms):
        for p in range(starts[i], starts[i + 1]):
            for k in range(n_feat):
                out[i, k] += b[p, 0] * grad[p, k, 0] + b[p, 1] * grad[p, k, 1] + b[p, 2] * grad[p, k, 2]
    return out
