"""The Ziegler–Biersack–Littmark screened nuclear repulsion, as LAMMPS ``pair_style zbl``.

    E(r) = (k_e Z_i Z_j / r) φ(r / a) + S(r),   a = 0.46850 / (Z_i^0.23 + Z_j^0.23) Å,
    φ(x) = 0.18175 e^{−3.19980 x} + 0.50986 e^{−0.94229 x} + 0.28022 e^{−0.40290 x} + 0.02817 e^{−0.20162 x}

(Ziegler, Biersack, Littmark, *The Stopping and Range of Ions in Solids*, 1985). Between the inner
and outer cutoffs, S(r) = A/3 t³ + B/4 t⁴ + C with t = r − r_inner brings E, E′ and E″ smoothly to
zero at the outer cutoff; below the inner cutoff S = C (the switching of LAMMPS ``pair_style zbl``).
"""

from __future__ import annotations

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers
from numba import njit

from ..errors import ConfigError
from ..hyperparameters import check_keys
from ..neighbors import neighbor_list

#: e²/(4πε0) in eV·Å, the value LAMMPS uses in ``units metal`` (``force->qqr2e``).
COULOMB_EV_A = 14.399645
_A0 = 0.46850
_PZBL = 0.23
_C = np.array([0.02817, 0.28022, 0.50986, 0.18175])
_D = np.array([0.20162, 0.40290, 0.94229, 3.19980])


@njit(cache=True, fastmath=False)
def _zbl_raw(r, zz, a, c, d):
    """Unswitched ZBL energy and its first two r-derivatives (eV, eV/Å, eV/Å²)."""
    phi = 0.0
    dphi = 0.0
    d2phi = 0.0
    for k in range(4):
        b = d[k] / a
        e = c[k] * np.exp(-b * r)
        phi += e
        dphi -= b * e
        d2phi += b * b * e
    e0 = zz / r
    de0 = -zz / (r * r)
    d2e0 = 2.0 * zz / (r * r * r)
    return e0 * phi, de0 * phi + e0 * dphi, d2e0 * phi + 2.0 * de0 * dphi + e0 * d2phi


@njit(cache=True, fastmath=False)
def _zbl_pairs(r, zi, zj, inner, outer, c, d):
    """Switched pair energy e(r) and de/dr for every pair; arrays of shape (n_pairs,)."""
    n = r.shape[0]
    e = np.zeros(n)
    dedr = np.zeros(n)
    tc = outer - inner
    for p in range(n):
        zz = COULOMB_EV_A * zi[p] * zj[p]
        a = _A0 / (zi[p] ** _PZBL + zj[p] ** _PZBL)
        fc, fcp, fcpp = _zbl_raw(outer, zz, a, c, d)
        swa = (-3.0 * fcp + tc * fcpp) / (tc * tc)
        swb = (2.0 * fcp - tc * fcpp) / (tc * tc * tc)
        swc = -fc + 0.5 * tc * fcp - tc * tc * fcpp / 12.0
        ep, dep, _ = _zbl_raw(r[p], zz, a, c, d)
        ep += swc
        if r[p] > inner:
            t = r[p] - inner
            ep += t * t * t * (swa / 3.0 + swb / 4.0 * t)
            dep += t * t * (swa + swb * t)
        e[p] = ep
        dedr[p] = dep
    return e, dedr


class ZBL:
    """ZBL repulsion between all element pairs, switched to zero between ``inner`` and ``outer``.

    Parameters
    ----------
    inner, outer : float, Å
        Start and end of the switching region (LAMMPS ``pair_style zbl inner outer``).
    z : dict of str to float
        Nuclear charge used for each element (LAMMPS ``pair_coeff i j zbl Zi Zj``);
        defaults to the atomic number.
    """

    name = "zbl"

    def __init__(self, inner: float, outer: float, z: dict[str, float]):
        if not 0 < inner < outer:
            raise ConfigError(f"ZBL needs 0 < inner < outer, got inner={inner}, outer={outer}")
        self.inner = float(inner)
        self.outer = float(outer)
        self.z = {s: float(v) for s, v in z.items()}

    @classmethod
    def for_species(cls, inner: float, outer: float, species) -> "ZBL":
        """ZBL with Z = atomic number for each of ``species``."""
        return cls(inner, outer, {s: float(atomic_numbers[s]) for s in species})

    @property
    def cutoff(self) -> float:
        return self.outer

    def to_dict(self) -> dict:
        return {"inner": self.inner, "outer": self.outer, "z": dict(self.z)}

    @classmethod
    def from_dict(cls, spec: dict) -> "ZBL":
        check_keys("ZBL", spec, ("inner", "outer", "z"), what="key")
        return cls(spec["inner"], spec["outer"], spec["z"])

    def evaluate(self, atoms: Atoms):
        """Per-atom energies (n_atoms,) eV, forces (n_atoms, 3) eV/Å, virial-based stress (6,) eV/Å³.

        The stress is Voigt [xx, yy, zz, yz, xz, xy], ASE sign, and None without a 3-D periodic cell.
        Each pair's energy is split equally between its two atoms, as LAMMPS does.
        """
        symbols = atoms.get_chemical_symbols()
        missing = sorted(set(symbols) - set(self.z))
        if missing:
            raise ConfigError(f"ZBL has no nuclear charge for {missing}; it has {sorted(self.z)}")
        zs = np.array([self.z[s] for s in symbols])
        n = len(atoms)
        nl = neighbor_list(atoms, self.outer)
        e, dedr = _zbl_pairs(nl.distances, zs[nl.i], zs[nl.j], self.inner, self.outer, _C, _D)
        energies = 0.5 * np.bincount(nl.i, weights=e, minlength=n)
        g = (dedr / nl.distances)[:, None] * nl.vectors  # (n_pairs, 3): ∂e/∂r_j
        forces = np.zeros((n, 3))
        for c in range(3):
            forces[:, c] = np.bincount(nl.i, weights=g[:, c], minlength=n)
        stress = None
        if atoms.pbc.all():
            s = 0.5 * g.T @ nl.vectors / atoms.get_volume()  # (3, 3)
            stress = np.array([s[0, 0], s[1, 1], s[2, 2], s[1, 2], s[0, 2], s[0, 1]])
        return energies, forces, stress
