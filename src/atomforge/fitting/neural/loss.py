"""The training loss of a neural-network model over energies per atom, forces and stresses.

For a batch of structures s with n_s atoms and row weights w (energy, force, stress):

    L = Σ_s (w_E,s ΔE_s/n_s)² / N_E  +  Σ_s Σ_j,c (w_F,s ΔF_sjc)² / N_F  +  Σ_s Σ_v (w_σ,s Δσ_sv)² / N_σ
        + λ Σ_layers ‖W‖²

with N_E, N_F, N_σ the numbers of energy, force-component and stress-component rows of nonzero
weight: the dissertation's Eq. 2.74 (Yanxon, pyxtal_ff: mean squared errors of energy per atom and
of forces with force and stress coefficients, and an L2 penalty), with the coefficients as the row
weights of :class:`~atomforge.fitting.weights.FitWeights` (atom/eV, Å/eV, 1/GPa). Forces and stress
are the shared chain rule (:func:`atomforge.chain_rule.contract`) of ∂E/∂B from autograd, kept in
the graph so that the loss is differentiable in the weights.
"""

from __future__ import annotations

import torch

from ...chain_rule import contract
from ...units import EV_A3_TO_GPA

_VOIGT = ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))


def predict_batch(model, layers, t: dict, *, forces: bool = True, stress: bool = True):
    """Energies (n_structures,) eV, forces (n_atoms, 3) eV/Å (or None) and stress (n_structures, 6) GPa
    (or None) of committee member 0 of ``layers`` on the tensors ``t`` of a :class:`TrainingArrays`.
    Without ``forces`` there is no stress either."""
    x = t["values"].clone().requires_grad_(forces)
    atom_e = model.torch_energies(layers, x, t["elem"], 0)
    n_s = len(t["energy"])
    energy = atom_e.new_zeros(n_s).index_add(0, t["atom_structure"], atom_e)
    if not forces:
        return energy, None, None
    (de_db,) = torch.autograd.grad(atom_e.sum(), x, create_graph=True)
    pair_structure = t["atom_structure"][:, None].expand(t["neighbors"].shape)  # (n_atoms, max_pairs)
    f, virial = contract(de_db, None, t["neighbors"], t["grad"], t["vectors"] if stress else None, len(x),
                         pair_structure, n_s)
    if not stress:
        return energy, f, None
    sym = 0.5 * (virial + virial.transpose(1, 2))
    sigma = torch.stack([sym[:, a, b] for a, b in _VOIGT], dim=1) / t["volume"][:, None] * EV_A3_TO_GPA
    return energy, f, sigma


def loss_terms(model, layers, t: dict, regularization: float) -> dict:
    """The weighted mean squared errors ``energy``, ``force``, ``stress``, the ``l2`` penalty and ``total``."""
    w = t["weights"]  # (n_structures, 3)
    need_grad, need_stress = bool((w[:, 1:] > 0).any()), bool((w[:, 2] > 0).any())
    energy, forces, stress = predict_batch(model, layers, t, forces=need_grad, stress=need_stress)
    terms = {}
    we = w[:, 0]
    terms["energy"] = _mean_of_weighted(we * (energy - t["energy"]) / t["n_atoms"], we > 0)
    if need_grad:
        wf = w[t["atom_structure"], 1][:, None].expand(-1, 3)
        terms["force"] = _mean_of_weighted(wf * (forces - t["forces"]), wf > 0)
    if need_stress:
        ws = w[:, 2][:, None].expand(-1, 6)
        terms["stress"] = _mean_of_weighted(ws * (stress - t["stress"]), ws > 0)
    terms["l2"] = regularization * sum((wt ** 2).sum() for wt, _ in layers)
    terms["total"] = sum(terms.values())
    return terms


def _mean_of_weighted(residual, keep):
    n = int(keep.sum())
    return (residual[keep] ** 2).sum() / n if n else residual.new_zeros(())
