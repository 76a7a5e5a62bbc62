"""The GRS effective potential V = V_core + w1·Q + w2·Q_intra as an ASE calculator.

Q compares the structure's own descriptor moments with the target; Q_intra compares the pooled
moments of the structure together with fixed ``others`` (the rest of a set) with the target.
Forces and stress are the exact gradient of V: ∂V/∂B from :mod:`atomforge.grs.loss`, contracted
with the sparse descriptor gradients by the shared chain rule (:mod:`atomforge.chain_rule`).
Any ASE optimiser or MD drives it; ``UnitCellFilter`` (or ``FrechetCellFilter``) relaxes the cell.
"""

from __future__ import annotations

import numpy as np
from ase.calculators.calculator import Calculator, all_changes

from ..chain_rule import forces_and_stress
from .core import RepulsiveCore
from .loss import MomentLoss, atom_weights, moment_loss, weighted
from .target import Target


class GRSCalculator(Calculator):
    """ASE calculator of the GRS effective potential.

    Parameters
    ----------
    descriptor : Descriptor
        Any registered descriptor with gradients (the one the target was built with).
    target : Target
    w1, w2 : float
        Weights of Q and Q_intra; negative = reverse GRS (bounded, see :func:`loss.weighted`).
    loss : MomentLoss
    core : RepulsiveCore
    others : list of (values, numbers), optional
        Fixed per-atom descriptors (n, n_features) and atomic numbers (n,) of the other set members.
    reverse_cap : float
        c of the bounded reverse term.

    Results: ``energy`` (= V), ``forces``, ``stress`` (periodic cells), and ``q``, ``q_intra``, ``v_core``,
    ``atom_weights`` (shape (n_atoms,): |dV/dQ| · :func:`loss.atom_weights` of the structure plus
    |dV/dQ_intra| times those of its atoms in the pooled set; from the same descriptors as V).
    """

    implemented_properties = ["energy", "free_energy", "forces", "stress"]

    def __init__(self, descriptor, target: Target, *, w1: float = 1.0, w2: float = 0.0,
                 loss: MomentLoss | None = None, core: RepulsiveCore | None = None, others=None,
                 reverse_cap: float = 10.0, **kwargs):
        super().__init__(**kwargs)
        self.descriptor = descriptor
        self.target = target
        self.w1, self.w2 = float(w1), float(w2)
        self.loss = loss or MomentLoss()
        self.core = core or RepulsiveCore()
        self.reverse_cap = float(reverse_cap)
        self.set_others(others or [])

    def set_others(self, others) -> None:
        """Replace the fixed set members used by Q_intra."""
        k = self.target.n_features
        self._other_values = np.concatenate([np.asarray(v) for v, _ in others]) if others else np.zeros((0, k))
        self._other_numbers = (np.concatenate([np.asarray(z) for _, z in others]) if others
                               else np.zeros(0, dtype=np.int64))
        self.reset()

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        atoms = self.atoms
        want_stress = bool(atoms.pbc.all())
        need_grad = "forces" in properties or "stress" in properties
        out = self.descriptor.compute(atoms, gradients=need_grad)
        q, dq = moment_loss(out.values, out.numbers, self.target, self.loss, gradient=need_grad)
        v1, dv1 = weighted(self.w1, q, self.reverse_cap)
        dv_db = dv1 * dq if need_grad else None
        weights = abs(dv1) * atom_weights(out.values, out.numbers, self.target, self.loss)
        q_intra, v2 = 0.0, 0.0
        if self.w2 != 0:
            pooled = np.concatenate([out.values, self._other_values])
            numbers = np.concatenate([out.numbers, self._other_numbers])
            q_intra, dqi = moment_loss(pooled, numbers, self.target, self.loss, gradient=need_grad)
            v2, dv2 = weighted(self.w2, q_intra, self.reverse_cap)
            weights = weights + abs(dv2) * atom_weights(pooled, numbers, self.target, self.loss)[:len(atoms)]
            if need_grad:
                dv_db = dv_db + dv2 * dqi[:len(atoms)]
        e_core, f_core, s_core = self.core.compute(atoms, stress=want_stress and need_grad)
        energy = e_core + v1 + v2
        self.results = {"energy": energy, "free_energy": energy, "q": q, "q_intra": q_intra,
                        "v_core": e_core, "atom_weights": weights}
        if need_grad:
            volume = atoms.get_volume() if want_stress else None
            forces, stress = forces_and_stress(dv_db, out, volume)
            self.results["forces"] = forces + f_core
            if want_stress:
                self.results["stress"] = stress + s_core
