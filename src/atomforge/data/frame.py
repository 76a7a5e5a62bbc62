"""A Frame: one reference configuration with its first-principles labels."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ase import Atoms
from ase.data import chemical_symbols

from ..errors import DataError

#: Two atoms closer than this (Å) are taken as a broken structure.
MIN_DISTANCE = 0.1
_SEARCH_CUTOFF = 1.0
#: Coordinates and cell vectors beyond this (Å) are taken as a unit error.
MAX_COORDINATE = 1e6


@dataclass
class Frame:
    """One configuration and its labels, in atomforge's internal units.

    Attributes
    ----------
    atoms : ase.Atoms
        Positions in Å, cell in Å, pbc.
    energy : float or None
        Total energy of the cell, eV.
    forces : ndarray, shape (n_atoms, 3), eV/Å, or None
    stress : ndarray, shape (6,), eV/Å³, Voigt [xx, yy, zz, yz, xz, xy], positive = tensile, or None
    group : str
        Name of the group the frame belongs to (for weights, stratified splits and reports).
    weight : float
        Weight of the frame in a fit (multiplies the group weight).
    source : str
        Where the frame came from, e.g. ``"train.xyz:17"``; used in error messages.
    """

    atoms: Atoms
    energy: float | None = None
    forces: np.ndarray | None = None
    stress: np.ndarray | None = None
    group: str = "default"
    weight: float = 1.0
    source: str = ""
    info: dict = field(default_factory=dict)

    @property
    def n_atoms(self) -> int:
        return len(self.atoms)

    def copy(self) -> "Frame":
        return Frame(self.atoms.copy(), self.energy,
                     None if self.forces is None else self.forces.copy(),
                     None if self.stress is None else self.stress.copy(),
                     self.group, self.weight, self.source, dict(self.info))


def validate_frame(frame: Frame, *, source: str | None = None, index: int | None = None,
                   require_energy: bool = True) -> Frame:
    """Check a frame and return it; raise :class:`DataError` naming file, frame and field.

    Checks: known elements; finite positions and cell within :data:`MAX_COORDINATE`; nonzero
    length/area/volume spanned by the periodic cell vectors; no left-handed periodic cell; no
    atom closer than :data:`MIN_DISTANCE` to another or to its own image; energy present and
    finite; forces of shape (n_atoms, 3) and finite; stress of shape (6,) and finite.
    """
    src = source if source is not None else (frame.source or None)
    atoms = frame.atoms

    def fail(msg, fld):
        raise DataError(msg, source=src, frame=index, field=fld)

    n = len(atoms)
    if n == 0:
        fail("the frame has no atoms", "numbers")
    numbers = atoms.numbers
    bad = [int(z) for z in numbers if z <= 0 or z >= len(chemical_symbols)]
    if bad:
        fail(f"unknown element with atomic number {bad[0]}", "numbers")
    pos = atoms.positions
    if not np.all(np.isfinite(pos)):
        k = int(np.argwhere(~np.isfinite(pos))[0, 0])
        fail(f"non-finite value at atom {k}", "positions")
    if np.abs(pos).max() > MAX_COORDINATE:
        k = int(np.argmax(np.abs(pos).max(axis=1)))
        fail(f"coordinate {np.abs(pos[k]).max():.3g} Å at atom {k} is beyond "
             f"{MAX_COORDINATE:.0e} Å; check the length unit", "positions")
    cell = atoms.cell.array
    if not np.all(np.isfinite(cell)):
        fail("non-finite value in the cell", "cell")
    if np.abs(cell).max() > MAX_COORDINATE:
        fail(f"cell vector longer than {MAX_COORDINATE:.0e} Å; check the length unit", "cell")
    if atoms.pbc.any():
        periodic = cell[atoms.pbc]
        gram = np.linalg.det(periodic @ periodic.T)  # squared length, area or volume
        if gram < 1e-12:
            kind = ("length", "area", "volume")[len(periodic) - 1]
            fail(f"periodic cell has zero {kind} (vectors {np.flatnonzero(atoms.pbc).tolist()}); "
                 "check the lattice vectors, or set pbc False along directions that are not "
                 "periodic", "cell")
        if atoms.pbc.all():
            if np.linalg.det(cell) < 0:
                fail(f"periodic cell has negative volume ({np.linalg.det(cell):.4g} Å³: "
                     "left-handed); reorder its vectors", "cell")
            spacing = abs(np.linalg.det(cell)) / np.linalg.norm(
                np.cross(cell[[1, 2, 0]], cell[[2, 0, 1]]), axis=1)
            if spacing.min() < MIN_DISTANCE:
                fail(f"lattice planes {spacing.min():.3g} Å apart put every atom closer than "
                     f"{MIN_DISTANCE} Å to its own periodic image; check the lattice vectors",
                     "cell")
    _check_min_distance(atoms, fail)
    if frame.energy is None:
        if require_energy:
            fail("missing total energy; remove the frame or add its energy", "energy")
    elif not np.isfinite(frame.energy):
        fail(f"energy is {frame.energy}; remove the frame or fix its energy", "energy")
    if frame.forces is not None:
        f = np.asarray(frame.forces, dtype=float)
        if f.shape != (n, 3):
            fail(f"expected shape ({n}, 3), got {f.shape}", "forces")
        if not np.all(np.isfinite(f)):
            k = int(np.argwhere(~np.isfinite(f))[0, 0])
            fail(f"{f[k][~np.isfinite(f[k])][0]} at atom {k}; remove the frame or fix its forces",
                 "forces")
        frame.forces = f
    if frame.stress is not None:
        s = np.asarray(frame.stress, dtype=float)
        if s.shape != (6,):
            fail(f"expected 6 Voigt components, got shape {s.shape}", "stress")
        if not np.all(np.isfinite(s)):
            fail("non-finite component; remove the frame or fix its stress", "stress")
        frame.stress = s
    if not np.isfinite(frame.weight) or frame.weight < 0:
        fail(f"weight must be finite and >= 0, got {frame.weight}", "weight")
    return frame


def _check_min_distance(atoms: Atoms, fail) -> None:
    from ..neighbors import neighbor_list

    # vesin bins space by the cutoff: a 0.1 Å cutoff makes ~10^6 bins in a 10 Å cell, so search
    # with a 1 Å cutoff (about 30x faster) and keep the short pairs.
    nl = neighbor_list(atoms, max(MIN_DISTANCE, _SEARCH_CUTOFF))
    if len(nl.i) and nl.distances.min() < MIN_DISTANCE:
        k = int(np.argmin(nl.distances))
        fail(f"atoms {nl.i[k]} and {nl.j[k]} are {nl.distances[k]:.3g} Å apart "
             f"(less than {MIN_DISTANCE} Å): a broken structure; remove the frame or fix "
             "its positions", "positions")
