"""Elastic constants by finite strains with relaxed ions, and Voigt–Reuss–Hill averages.

For each Voigt strain component j (engineering shear strains), the cell is deformed by
F = I + ε(±δ e_j), the ions are relaxed at fixed cell, and C_ij = [σ_i(+δ) − σ_i(−δ)] / 2δ with
the ASE stress sign (positive = tensile), so that σ = C ε. Averages: Hill, Proc. Phys. Soc. A 65,
349 (1952); Poisson's ratio ν = (3B − 2G) / (2(3B + G)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ase import Atoms

from ..units import EV_A3_TO_GPA

#: Voigt index → (i, j) of the strain tensor.
_VOIGT = [(0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1)]


def strain_matrix(voigt_strain) -> np.ndarray:
    """Symmetric strain tensor (3, 3) from Voigt [e_xx, e_yy, e_zz, 2e_yz, 2e_xz, 2e_xy]."""
    e = np.zeros((3, 3))
    for k, (i, j) in enumerate(_VOIGT):
        e[i, j] += voigt_strain[k] if i == j else 0.5 * voigt_strain[k]
        if i != j:
            e[j, i] += 0.5 * voigt_strain[k]
    return e


def strained(atoms: Atoms, voigt_strain) -> Atoms:
    """Copy of ``atoms`` with cell and positions deformed by I + ε."""
    f = np.eye(3) + strain_matrix(voigt_strain)
    a = atoms.copy()
    a.set_cell(atoms.cell.array @ f.T, scale_atoms=True)
    return a


@dataclass
class ElasticResult:
    """Elastic constants.

    Attributes
    ----------
    c : ndarray, shape (6, 6), GPa (Voigt order xx, yy, zz, yz, xz, xy)
    strain : float, dimensionless (the ± finite strain)
    """

    c: np.ndarray
    strain: float

    @property
    def cubic(self) -> dict:
        """C11, C12, C44 averaged over the cubic-equivalent entries (GPa)."""
        c = self.c
        return {"C11": float(np.mean([c[0, 0], c[1, 1], c[2, 2]])),
                "C12": float(np.mean([c[0, 1], c[0, 2], c[1, 2], c[1, 0], c[2, 0], c[2, 1]])),
                "C44": float(np.mean([c[3, 3], c[4, 4], c[5, 5]]))}

    def averages(self) -> dict:
        """Voigt, Reuss and Hill bulk and shear moduli (GPa) and Poisson's ratio."""
        return vrh(self.c)


def vrh(c) -> dict:
    """Voigt–Reuss–Hill bulk (B) and shear (G) moduli from C (6, 6) (same unit as C)."""
    c = np.asarray(c, dtype=float)
    s = np.linalg.inv(c)
    bv = (c[0, 0] + c[1, 1] + c[2, 2] + 2 * (c[0, 1] + c[0, 2] + c[1, 2])) / 9.0
    gv = (c[0, 0] + c[1, 1] + c[2, 2] - (c[0, 1] + c[0, 2] + c[1, 2]) + 3 * (c[3, 3] + c[4, 4] + c[5, 5])) / 15.0
    br = 1.0 / (s[0, 0] + s[1, 1] + s[2, 2] + 2 * (s[0, 1] + s[0, 2] + s[1, 2]))
    gr = 15.0 / (4 * (s[0, 0] + s[1, 1] + s[2, 2]) - 4 * (s[0, 1] + s[0, 2] + s[1, 2])
                 + 3 * (s[3, 3] + s[4, 4] + s[5, 5]))
    b, g = 0.5 * (bv + br), 0.5 * (gv + gr)
    return {"B_voigt": float(bv), "B_reuss": float(br), "B_hill": float(b),
            "G_voigt": float(gv), "G_reuss": float(gr), "G_hill": float(g),
            "poisson": float((3 * b - 2 * g) / (2 * (3 * b + g)))}


def elastic_constants(atoms: Atoms, calc, *, strain: float = 0.005, relax_ions: bool = True,
                      fmax: float = 1e-5) -> ElasticResult:
    """Full 6×6 elastic matrix (GPa) of a relaxed (zero-stress) cell by central differences.

    Parameters
    ----------
    atoms : ase.Atoms
        The equilibrium cell (e.g. ``Lattice.atoms``).
    calc : ase Calculator
    strain : float
        Finite strain δ (dimensionless); engineering shear strain for j ≥ 4.
    relax_ions : bool
        Relax ions at each strained cell (needed for non-Bravais lattices such as diamond).
    fmax : float, eV/Å
        Force threshold of the ionic relaxation.
    """
    from .lattice import relax_positions

    c = np.zeros((6, 6))
    for j in range(6):
        stresses = []
        for sign in (1.0, -1.0):
            e = np.zeros(6)
            e[j] = sign * strain
            a = strained(atoms, e)
            a.calc = calc
            if relax_ions:
                relax_positions(a, calc, fmax=fmax)
            stresses.append(a.get_stress(voigt=True))
        c[:, j] = (stresses[0] - stresses[1]) / (2 * strain)
    return ElasticResult(c * EV_A3_TO_GPA, strain)
