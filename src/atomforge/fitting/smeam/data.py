"""Training sets for spline-MEAM fits: structure vectors, labels and weights of many frames."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import DataError
from ...models.meam_spline import SplineMEAM
from .structure_vectors import Layout, StructureVectors, compute_structure_vectors


@dataclass
class SMEAMTrainingSet:
    """Everything a fit needs that does not depend on the knot values.

    Attributes
    ----------
    layout : Layout
    vectors : list of StructureVectors, one per frame
    energies : (n_frames,) eV, reference total energies
    forces : list of (n_force, 3) eV/Å, reference forces on each frame's ``force_atoms`` (or None);
        ``force_labels`` (n_force_total, 3) stacks them, ``force_weights`` gives each its frame weight
    stresses : (n_frames, 6) eV/Å³ with NaN rows where a frame has none
    counts : (n_frames, n_species) atoms of each element
    weights : (n_frames,) frame weight × group weight
    groups : list of str
    """

    layout: Layout
    vectors: list[StructureVectors]
    energies: np.ndarray
    forces: list
    stresses: np.ndarray
    counts: np.ndarray
    weights: np.ndarray
    groups: list[str]

    def __post_init__(self):
        self.stacked = StackedVectors.of(self.vectors)
        self.force_labels = np.concatenate([np.zeros((0, 3))] + [f for f in self.forces if f is not None])
        self.force_weights = np.concatenate(
            [np.zeros(0)] + [np.full(len(f), w) for f, w in zip(self.forces, self.weights) if f is not None])

    @property
    def n_atoms(self) -> np.ndarray:
        return self.counts.sum(axis=1)

    def __len__(self) -> int:
        return len(self.vectors)

    def subset(self, frames) -> "SMEAMTrainingSet":
        """The training set of the frames ``frames`` (indices or a boolean mask), structure vectors reused."""
        idx = np.arange(len(self))[frames]
        return SMEAMTrainingSet(self.layout, [self.vectors[k] for k in idx], self.energies[idx],
                                [self.forces[k] for k in idx], self.stresses[idx], self.counts[idx],
                                self.weights[idx], [self.groups[k] for k in idx])


def build_training_set(frames, template: SplineMEAM, *, forces_per_frame: int | None = None,
                       group_weights: dict[str, float] | None = None, seed: int = 0) -> SMEAMTrainingSet:
    """Structure vectors and labels of ``frames`` (atomforge ``Frame`` objects) for ``template``.

    Parameters
    ----------
    frames : iterable of Frame
        Each with ``energy``; ``forces`` and ``stress`` are used when present.
    forces_per_frame : int, optional
        Keep forces of at most this many atoms per frame, drawn at random (bounds memory);
        default all.
    group_weights : dict, optional
        Weight of each group (default 1); multiplies each frame's own weight.
    """
    layout = Layout(template)
    rng = np.random.default_rng(seed)
    group_weights = group_weights or {}
    vectors, energies, forces, stresses, counts, weights, groups = [], [], [], [], [], [], []
    for q, fr in enumerate(frames):
        if fr.energy is None:
            raise DataError("missing energy", source=fr.source or None, frame=q, field="energy")
        n = len(fr.atoms)
        keep = np.arange(n)
        if fr.forces is not None and forces_per_frame is not None and n > forces_per_frame:
            keep = np.sort(rng.choice(n, forces_per_frame, replace=False))
        if fr.forces is None:
            keep = keep[:0]
        vectors.append(compute_structure_vectors(layout, fr.atoms, force_atoms=keep))
        energies.append(fr.energy)
        forces.append(None if fr.forces is None else np.asarray(fr.forces)[keep])
        stresses.append(np.full(6, np.nan) if fr.stress is None or not fr.atoms.pbc.all() else fr.stress)
        types = layout.template.types_of(fr.atoms)
        counts.append(np.bincount(types, minlength=len(layout.species)))
        weights.append(fr.weight * group_weights.get(fr.group, 1.0))
        groups.append(fr.group)
    return SMEAMTrainingSet(layout, vectors, np.array(energies, dtype=float), forces,
                            np.array(stresses, dtype=float).reshape(-1, 6),
                            np.array(counts, dtype=float), np.array(weights, dtype=float), groups)


@dataclass
class StackedVectors:
    """The structure vectors of all frames stacked, so a population is a few large products.

    Atoms, force atoms and derivative rows of all frames are numbered globally; ``atom_start``,
    ``force_start`` give each frame's first index (length n_frames + 1).
    """

    e_phi: np.ndarray  # (n_frames, n_params)
    dens: np.ndarray  # (n_atoms, n_dens)
    types: np.ndarray  # (n_atoms,)
    atom_start: np.ndarray
    g_phi: np.ndarray  # (n_force * 3, n_params)
    d_dens: np.ndarray  # (n_rows * 3, n_dens)
    row_center: np.ndarray  # (n_rows,) global atom
    row_force: np.ndarray  # (n_rows,) global force atom
    force_start: np.ndarray
    v_phi: np.ndarray  # (n_frames * 6, n_params), divided by the volume
    v_dens: np.ndarray  # (n_atoms * 6, n_dens), divided by the volume
    has_stress: np.ndarray  # (n_frames,) bool

    @classmethod
    def of(cls, vectors: list[StructureVectors]) -> "StackedVectors":
        n_atoms = np.array([sv.n_atoms for sv in vectors])
        n_force = np.array([len(sv.force_atoms) for sv in vectors])
        atom_start = np.concatenate([[0], np.cumsum(n_atoms)])
        force_start = np.concatenate([[0], np.cumsum(n_force)])
        inv_v = [1.0 / sv.volume if sv.volume > 0 else 0.0 for sv in vectors]
        return cls(
            e_phi=np.stack([sv.e_phi for sv in vectors]),
            dens=np.concatenate([sv.dens for sv in vectors]),
            types=np.concatenate([sv.types for sv in vectors]),
            atom_start=atom_start,
            g_phi=np.concatenate([sv.g_phi.reshape(sv.g_phi.shape[0] * 3, sv.g_phi.shape[-1]) for sv in vectors]),
            d_dens=np.concatenate([sv.d_dens.reshape(sv.d_dens.shape[0] * 3, sv.d_dens.shape[-1]) for sv in vectors]),
            row_center=np.concatenate([sv.row_center + a for sv, a in zip(vectors, atom_start)]),
            row_force=np.concatenate([sv.row_force + f for sv, f in zip(vectors, force_start)]),
            force_start=force_start,
            v_phi=np.concatenate([sv.v_phi * w for sv, w in zip(vectors, inv_v)]),
            v_dens=np.concatenate([sv.v_dens.reshape(sv.n_atoms * 6, sv.v_dens.shape[-1]) * w
                                   for sv, w in zip(vectors, inv_v)]),
            has_stress=np.array([w > 0 for w in inv_v]))


def predict(ts: SMEAMTrainingSet, thetas: np.ndarray, *, stress: bool = True):
    """Model energies (P, n_frames) eV, forces on the kept atoms of all frames (P, n_force, 3)
    eV/Å, stresses (P, n_frames, 6) eV/Å³ and the mean excess of densities outside U's knot
    range (P,), for P parameter sets (P, n_params)."""
    from .structure_vectors import _scatter_forces, embedding

    st = ts.stacked
    layout = ts.layout
    thetas = np.ascontiguousarray(np.atleast_2d(thetas), dtype=np.float64)
    p = len(thetas)
    z = layout.features(thetas)
    n = z @ st.dens.T  # (P, n_atoms)
    u, du = embedding(layout, thetas, n, st.types)
    energies = thetas @ st.e_phi.T
    if n.shape[1]:
        energies += np.add.reduceat(u, st.atom_start[:-1], axis=1)
    forces = -(thetas @ st.g_phi.T).reshape(p, -1, 3)
    if len(st.row_center) and layout.n_dens:
        g = (z @ st.d_dens.T).reshape(p, -1, 3)
        _scatter_forces(g, np.ascontiguousarray(du), st.row_center, st.row_force, forces)
    stresses = np.full((p, len(ts), 6), np.nan)
    if stress:
        s = (thetas @ st.v_phi.T).reshape(p, -1, 6)
        if layout.n_dens:
            vz = (z @ st.v_dens.T).reshape(p, -1, 6) * du[:, :, None]
            s += np.add.reduceat(vz, st.atom_start[:-1], axis=1)
        stresses[:, st.has_stress] = s[:, st.has_stress]
    lo, hi = _u_range(layout)
    excess = np.zeros(p)
    if lo is not None and n.shape[1]:
        excess = (np.maximum(lo[st.types] - n, 0.0) + np.maximum(n - hi[st.types], 0.0)).mean(axis=1)
    return energies, forces, stresses, excess


def _u_range(layout: Layout):
    if "U" not in layout.template.splines:
        return None, None
    us = layout.template.splines["U"]
    return np.array([s.x[0] for s in us]), np.array([s.x[-1] for s in us])


def reference_offsets(ts: SMEAMTrainingSet, model_energies: np.ndarray) -> np.ndarray:
    """Per-element energies (P, n_species) eV minimising Σ w (E_ref − E_model − counts·e)²."""
    sw = np.sqrt(ts.weights)[:, None]
    resid = (ts.energies[None, :] - model_energies)  # (P, n_frames)
    sol, *_ = np.linalg.lstsq(ts.counts * sw, (resid * sw.T).T, rcond=None)
    return sol.T
