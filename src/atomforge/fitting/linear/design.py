"""Design matrices of models linear in their coefficients: rows of energies per atom, forces, stresses.

For a frame with N atoms, descriptor output ``out`` and a model whose atom energies are E_i = a_i · w
(:class:`~atomforge.models.LinearInCoefficients`; for SNAP, a_i = [1, t(B_i)] in the block of the
element of i, with t(B) = B and for qSNAP also ½B_k² and B_k B_l), the rows are

- energy per atom (1 row, eV/atom): Σ_i a_i / N (``model.energy_row``);
- forces (3N rows, eV/Å): −∂(Σ_i a_i)/∂r_j from the sparse gradients (``model.row_gradients``);
- stress (6 rows, GPa, ASE sign): Voigt of sym(Σ_p ∂a_i/∂r_j ⊗ d_p) / V.

The targets are the labels minus an optional reference pair potential (ZBL). Rows are kept
unweighted per frame, so weights can change without recomputing descriptors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...data.frame import Frame
from ...descriptors.base import DescriptorOutput
from ...units import EV_A3_TO_GPA
from ..weights import ENERGY, FORCE, STRESS, FitWeights

_VOIGT = ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))


@dataclass
class FrameRows:
    """Unweighted rows of one frame: ``a`` (n_rows, n_columns), ``y`` (n_rows,), ``kinds`` (n_rows,)."""

    a: np.ndarray
    y: np.ndarray
    kinds: np.ndarray
    group: str
    weight: float


def frame_rows(model, frame: Frame, output: DescriptorOutput, reference=None, *,
               stress: bool = True) -> FrameRows:
    """Design-matrix rows of one frame for ``model`` (a :class:`~atomforge.models.LinearInCoefficients`).

    Parameters
    ----------
    reference : pair term with ``evaluate(atoms) -> (energies, forces, stress)``, optional
        A pair potential (ZBL) whose contribution is subtracted from the labels.
    stress : bool
        Include stress rows when the frame has a stress label and a 3-D periodic cell.
    """
    atoms = frame.atoms
    n = len(atoms)
    n_cols = model.n_columns(output.n_features)
    energy_row = model.energy_row(output.values, output.numbers)
    a_rows, y_rows, kinds = [], [], []
    ref_e, ref_f, ref_s = (reference.evaluate(atoms) if reference is not None
                           else (np.zeros(n), np.zeros((n, 3)), np.zeros(6)))
    if frame.energy is not None:
        a_rows.append(energy_row[None] / n)
        y_rows.append(np.array([(frame.energy - ref_e.sum()) / n]))
        kinds.append(np.full(1, ENERGY))
    want_stress = stress and frame.stress is not None and bool(atoms.pbc.all())
    if frame.forces is not None or want_stress:
        dt, virial = model.row_gradients(output)  # (n_atoms, 3, n_cols), (3, 3, n_cols)
        if frame.forces is not None:
            a_rows.append(-dt.reshape(3 * n, n_cols))
            y_rows.append((np.asarray(frame.forces) - ref_f).reshape(-1))
            kinds.append(np.full(3 * n, FORCE))
        if want_stress:
            volume = atoms.get_volume()
            sym = 0.5 * (virial + virial.transpose(1, 0, 2))
            a_rows.append(np.stack([sym[a, b] for a, b in _VOIGT]) / volume * EV_A3_TO_GPA)
            ref_stress = ref_s if ref_s is not None else np.zeros(6)
            y_rows.append((np.asarray(frame.stress) - ref_stress) * EV_A3_TO_GPA)
            kinds.append(np.full(6, STRESS))
    return FrameRows(np.vstack(a_rows), np.concatenate(y_rows), np.concatenate(kinds),
                     frame.group, frame.weight)


class DesignMatrix:
    """Rows of many frames and the weights that turn them into one least-squares problem.

    Parameters
    ----------
    n_columns : int
    constant_columns : ndarray of int
        The per-element constant columns (not regularised by a ridge term).
    weights : FitWeights
    """

    def __init__(self, n_columns: int, constant_columns: np.ndarray, weights: FitWeights | None = None):
        self.n_columns = n_columns
        self.constant_columns = np.asarray(constant_columns, dtype=np.int64)
        self.weights = weights if weights is not None else FitWeights()
        self.frames: list[FrameRows] = []

    @classmethod
    def for_model(cls, model, n_features: int, weights: FitWeights | None = None) -> "DesignMatrix":
        return cls(model.n_columns(n_features), model.constant_columns(n_features), weights)

    def add(self, rows: FrameRows) -> None:
        if rows.a.shape[1] != self.n_columns:
            raise ValueError(f"rows have {rows.a.shape[1]} columns, design matrix {self.n_columns}")
        self.frames.append(rows)

    @property
    def n_rows(self) -> int:
        return sum(len(f.y) for f in self.frames)

    @property
    def nbytes(self) -> int:
        return sum(f.a.nbytes for f in self.frames)

    def blocks(self, max_rows: int = 20000):
        """Weighted (A, y) blocks of at most about ``max_rows`` rows; zero-weight rows left out."""
        a_buf, y_buf, count = [], [], 0
        for f in self.frames:
            w = self.weights.row_weights(f.kinds, f.group, f.weight)
            keep = w > 0
            if not keep.any():
                continue
            a_buf.append(f.a[keep] * w[keep, None])
            y_buf.append(f.y[keep] * w[keep])
            count += int(keep.sum())
            if count >= max_rows:
                yield np.vstack(a_buf), np.concatenate(y_buf)
                a_buf, y_buf, count = [], [], 0
        if a_buf:
            yield np.vstack(a_buf), np.concatenate(y_buf)
