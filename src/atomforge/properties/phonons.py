"""Phonon band structure and density of states with phonopy, forces from any ASE calculator.

Finite displacements (phonopy's default 0.01 Å) of a supercell of the primitive cell; the band
path is the standard one of ASE's ``Cell.bandpath`` for the primitive cell (Setyawan and
Curtarolo, Comput. Mater. Sci. 49, 299 (2010)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ase import Atoms


@dataclass
class PhononResult:
    """Phonon bands and DOS.

    Attributes
    ----------
    distances : ndarray, shape (n_q,), 1/Å (path coordinate)
    qpoints : ndarray, shape (n_q, 3), 1/Å (cartesian, without 2π)
    frequencies : ndarray, shape (n_q, n_bands), THz
    labels : list of (float, str), special points along the path
    dos_frequencies : ndarray, shape (n_e,), THz
    dos : ndarray, shape (n_e,), states/THz per primitive cell
    supercell : tuple of int
    """

    distances: np.ndarray
    qpoints: np.ndarray
    frequencies: np.ndarray
    labels: list
    dos_frequencies: np.ndarray
    dos: np.ndarray
    supercell: tuple

    @property
    def min_frequency(self) -> float:
        """Lowest frequency on the path (THz); clearly negative means a dynamical instability."""
        return float(self.frequencies.min())


def phonons(atoms: Atoms, calc, supercell=(4, 4, 4), *, n_q: int = 200, mesh=(16, 16, 16),
            displacement: float = 0.01) -> PhononResult:
    """Phonon bands along the standard path and the DOS of the primitive cell of ``atoms``."""
    import spglib
    from phonopy import Phonopy
    from phonopy.structure.atoms import PhonopyAtoms

    cell = (atoms.cell.array, atoms.get_scaled_positions(), atoms.numbers)
    lat, pos, nums = spglib.find_primitive(cell, symprec=1e-5) or cell
    prim = Atoms(numbers=nums, cell=lat, scaled_positions=pos, pbc=True)
    unit = PhonopyAtoms(symbols=prim.get_chemical_symbols(), cell=prim.cell.array,
                        scaled_positions=prim.get_scaled_positions())
    ph = Phonopy(unit, supercell_matrix=np.diag(supercell))
    ph.generate_displacements(distance=displacement)
    forces = []
    for sc in ph.supercells_with_displacements:
        a = Atoms(sc.symbols, cell=sc.cell, scaled_positions=sc.scaled_positions, pbc=True)
        a.calc = calc
        forces.append(a.get_forces().copy())
    ph.forces = np.array(forces)
    ph.produce_force_constants()
    path = prim.cell.bandpath(npoints=n_q)
    x, xs, names = path.get_linear_kpoint_axis()
    ph.run_qpoints(path.kpts)
    freqs = ph.qpoints.frequencies
    ph.run_mesh(list(mesh), is_gamma_center=True)
    ph.run_total_dos()
    dos = {"frequency_points": ph.total_dos.frequency_points, "total_dos": ph.total_dos.dos}
    labels = []
    for p, n in zip(xs, names):
        n = "Γ" if n == "G" else n
        if labels and abs(labels[-1][0] - p) < 1e-9:  # a break in the path: "K|U"
            labels[-1] = (labels[-1][0], f"{labels[-1][1]}|{n}")
        else:
            labels.append((float(p), n))
    return PhononResult(np.asarray(x), path.cartesian_kpts(), np.asarray(freqs), labels, np.asarray(dos["frequency_points"]),
                        np.asarray(dos["total_dos"]), tuple(supercell))
