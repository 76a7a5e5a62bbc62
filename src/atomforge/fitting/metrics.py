"""Errors of a potential on a data set: energy per atom, force components, stress components."""

from __future__ import annotations

import numpy as np

from ..units import EV_A3_TO_GPA

#: Keys of a metrics dict (also per group under ``"groups"``).
METRIC_KEYS = ("energy_mae_mev_atom", "energy_rmse_mev_atom", "force_mae_ev_a", "force_rmse_ev_a",
               "stress_mae_gpa", "stress_rmse_gpa", "n_frames", "n_atoms")


def _summary(e_err, f_err, s_err, n_frames, n_atoms) -> dict:
    def mae(x):
        return float(np.mean(np.abs(x))) if len(x) else None

    def rmse(x):
        return float(np.sqrt(np.mean(np.square(x)))) if len(x) else None

    e = np.asarray(e_err) * 1000.0
    f = np.concatenate(f_err) if f_err else np.zeros(0)
    s = np.concatenate(s_err) * EV_A3_TO_GPA if s_err else np.zeros(0)
    return {"energy_mae_mev_atom": mae(e), "energy_rmse_mev_atom": rmse(e),
            "force_mae_ev_a": mae(f), "force_rmse_ev_a": rmse(f),
            "stress_mae_gpa": mae(s), "stress_rmse_gpa": rmse(s),
            "n_frames": int(n_frames), "n_atoms": int(n_atoms)}


def evaluate(potential, dataset, *, progress=None) -> dict:
    """Errors of ``potential`` on ``dataset``, overall and per group.

    Energy errors are per atom (meV/atom), force errors per Cartesian component (eV/Å), stress
    errors per Voigt component (GPa); a kind of label missing from every frame gives ``None``.

    Parameters
    ----------
    potential : Potential
    dataset : iterable of Frame
    progress : callable(int), optional
        Called with 1 after each frame.

    Returns
    -------
    dict with the keys of :data:`METRIC_KEYS` and ``"groups"`` (the same keys per group).
    """
    per_group: dict[str, tuple[list, list, list, list]] = {}
    for frame in dataset:
        want_f = frame.forces is not None
        want_s = frame.stress is not None and bool(frame.atoms.pbc.all())
        ev = potential.evaluate(frame.atoms, forces=want_f, stress=want_s)
        e, f, s, n = per_group.setdefault(frame.group, ([], [], [], []))
        n.append(frame.n_atoms)
        if frame.energy is not None:
            e.append((ev.energy - frame.energy) / frame.n_atoms)
        if want_f:
            f.append((ev.forces - frame.forces).ravel())
        if want_s:
            s.append(ev.stress - frame.stress)
        if progress is not None:
            progress(1)
    groups = {g: _summary(e, f, s, len(n), sum(n)) for g, (e, f, s, n) in per_group.items()}
    allv = [sum((v[k] for v in per_group.values()), []) for k in range(4)]
    out = _summary(allv[0], allv[1], allv[2], len(allv[3]), sum(allv[3]))
    out["groups"] = groups
    return out
