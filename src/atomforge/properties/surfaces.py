"""Surface energies of relaxed slabs, with a slab-thickness convergence check.

γ = (E_slab − N e_bulk) / (2 A), with e_bulk the energy per atom of the relaxed bulk, A the area
of the slab's in-plane cell, and both faces relaxed (ions only, fixed cell). Slabs are cut from
the conventional cell with ``ase.build.surface`` and kept periodic with vacuum along the normal.
The cut falls in the widest gap between atomic planes, which breaks the fewest bonds: for diamond
(111) that is the shuffle plane (one dangling bond per surface atom), not the glide plane (three).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ase import Atoms
from ase.build import surface

from ..units import EV_A2_TO_MJ_M2
from .lattice import relax_positions


@dataclass
class SurfaceResult:
    """Surface energy of one slab.

    Attributes
    ----------
    miller : tuple of int
    energy : float, mJ/m² (relaxed)
    unrelaxed : float, mJ/m²
    layers : int (repeats of the conventional cell's layer along the normal, as in ``ase.build.surface``)
    n_atoms : int
    area : float, Å²
    """

    miller: tuple
    energy: float
    unrelaxed: float
    layers: int
    n_atoms: int
    area: float


def make_slab(unit: Atoms, miller, layers: int, vacuum: float = 10.0) -> Atoms:
    """Periodic slab of ``layers`` layers of ``unit`` cut along ``miller`` with ``vacuum`` Å on each side.

    One layer is the repeat of ``unit`` along the surface normal (as in ``ase.build.surface``),
    so the slab holds ``layers * len(unit)`` atoms. The slab is the window ``layers`` repeats
    high, starting in the widest gap between planes, taken from a contiguous stack of
    ``layers + 1`` repeats. (Wrapping atoms across the orthogonalized c vector of
    ``ase.build.surface`` would be wrong: that vector is not a lattice vector when ``layers``
    is not a multiple of the stacking period, e.g. 4 fcc (111) layers.)
    """
    stack = surface(unit, tuple(miller), layers + 1, vacuum=None, periodic=True)
    height = float(stack.cell[2, 2]) / (layers + 1)  # one repeat along the normal (c ∥ z)
    z = stack.positions[:, 2]
    z0 = widest_gap_centre(z, height) % height
    keep = (z > z0) & (z < z0 + layers * height)
    slab = stack[keep]
    slab.positions[:, 2] -= z0
    slab.cell[2] = (0.0, 0.0, layers * height)
    slab.center(vacuum=vacuum, axis=2)
    return slab


def widest_gap_centre(z: np.ndarray, period: float, tol: float = 1e-6) -> float:
    """Centre (Å) of the widest gap between planes at heights ``z`` (Å) repeating every ``period`` Å.

    The first of equally wide gaps (within ``tol``) is taken.
    """
    planes = np.unique(np.round(np.mod(z, period) / tol).astype(np.int64)) * tol
    gaps = np.diff(np.append(planes, planes[0] + period))
    k = int(np.flatnonzero(gaps > gaps.max() - 1e3 * tol)[0])
    return float(planes[k] + gaps[k] / 2)


def surface_energy(unit: Atoms, calc, miller, e_bulk: float, *, layers: int = 6,
                   vacuum: float = 10.0, fmax: float = 1e-3) -> SurfaceResult:
    """Relaxed surface energy (mJ/m²) of the ``miller`` face.

    Parameters
    ----------
    unit : ase.Atoms
        Relaxed bulk cell (conventional cubic cell for cubic crystals).
    e_bulk : float, eV/atom
        Energy per atom of the relaxed bulk.
    """
    slab = make_slab(unit, miller, layers, vacuum)
    area = float(np.linalg.norm(np.cross(slab.cell[0], slab.cell[1])))
    slab.calc = calc
    n = len(slab)
    e0 = slab.get_potential_energy()
    e = relax_positions(slab, calc, fmax=fmax)
    scale = EV_A2_TO_MJ_M2 / (2 * area)
    return SurfaceResult(tuple(int(m) for m in miller), float((e - n * e_bulk) * scale),
                         float((e0 - n * e_bulk) * scale), layers, n, area)


def surface_convergence(unit: Atoms, calc, miller, e_bulk: float, layers=(4, 6, 8), **kw) -> list[SurfaceResult]:
    """Surface energies for several slab thicknesses (the last is the converged estimate)."""
    return [surface_energy(unit, calc, miller, e_bulk, layers=n, **kw) for n in layers]
