"""The SO(4) bispectrum (SNAP) descriptor, as LAMMPS ``compute sna/atom`` defines it.

Thompson, Swiler, Trott, Foiles, Tucker, J. Comput. Phys. 285, 316 (2015); Bartók et al.,
Phys. Rev. B 87, 184115 (2013). Angular momenta are written doubled, as in LAMMPS
(``B[j1=2,j2=0,j=2]`` is LAMMPS' B_{1,0,1} in half-integer notation), and the features come in
LAMMPS order, so a coefficient vector of a LAMMPS ``.snapcoeff`` file applies unchanged.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from ase.data import atomic_numbers

from ..errors import ConfigError
from ..neighbors import neighbor_list
from ._snap_kernels import bispectrum_gradients, bispectrum_values, quadratic_kernel
from ._snap_tables import bispectrum_triples, snap_tables
from .base import DescriptorBase, DescriptorOutput, as_frame, element_types, per_element



class Bispectrum(DescriptorBase):
    """Bispectrum components B_{j1 j2 j} of every atom, with sparse analytic gradients.

    Parameters (keyword only; the same meaning as in LAMMPS ``compute sna/atom``)
    ----------
    elements : list of str
        Element symbols; their order is the LAMMPS type order (type k+1 = ``elements[k]``).
    twojmax : int
        Twice the largest angular momentum (LAMMPS ``twojmax``), ≥ 0 (default 6).
    rcutfac : float
        Cutoff scale: the cutoff between elements a and b is ``rcutfac * (radii[a] + radii[b])``, Å
        (default 4.7).
    rfac0 : float
        Angle scale of the map to the 3-sphere (LAMMPS default 0.99363).
    rmin0 : float
        Inner distance of the map and the switching function, Å (default 0).
    radii, weights : list of float
        Per-element radius (dimensionless, multiplies ``rcutfac``) and neighbour weight, as a
        list in element order or a dict element → value. Default: 0.5 and 1.0 for every element.
    switchflag : int
        1 (default): smooth cosine cutoff; 0: none.
    bzeroflag : int
        1: subtract the bispectrum of an isolated atom (B_j = j + 1), as LAMMPS does by default;
        0 (default here): report B as defined, so an isolated atom has B ≠ 0. We default to 0,
        the plain definition; set 1 for the features of a LAMMPS ``.snapparam`` with bzeroflag 1.
    quadratic : bool
        Append the products of LAMMPS ``quadraticflag 1``: for k, in order, B_k²/2 and then
        B_k·B_l for l > k.

    Notes
    -----
    ``compute`` returns ``grad[p] = +∂B_i/∂r_j`` (1/Å times the unit of B) for every pair
    ``(i, j) = pairs[p]``: one self row per center (first among its rows), then one row per
    neighbour image. LAMMPS ``snad/atom`` and ``compute snap ... dgradflag 1`` hold −∂B/∂r.

    The kernels run in parallel over atoms on numba's threads (``numba.set_num_threads``). With
    gradients, each atom's ∂B = C·∂U is one small GEMM per U block; while they run, scipy's
    OpenBLAS is held to one thread (and restored afterwards) so that BLAS threads do not compete
    with numba's.
    """

    name: ClassVar[str] = "snap"

    def __init__(self, *, elements: list[str], twojmax: int = 6, rcutfac: float = 4.7,
                 rfac0: float = 0.99363, rmin0: float = 0.0,
                 radii: list[float] | dict[str, float] | None = None,
                 weights: list[float] | dict[str, float] | None = None,
                 switchflag: int = 1, bzeroflag: int = 0, quadratic: bool = False):
        self.elements = list(elements)
        self.twojmax = twojmax
        self.rcutfac = rcutfac
        self.rfac0 = rfac0
        self.rmin0 = rmin0
        self.radii = per_element("Bispectrum", "radii", radii, self.elements, 0.5)
        self.weights = per_element("Bispectrum", "weights", weights, self.elements, 1.0)
        self.switchflag = switchflag
        self.bzeroflag = bzeroflag
        self.quadratic = quadratic

    # -- spec ---------------------------------------------------------------------------------
    def _check(self) -> None:
        def bad(key, allowed):
            raise ConfigError(f"Bispectrum: '{key}' must be {allowed}, got {getattr(self, key)!r}")

        if not self.elements or any(s not in atomic_numbers for s in self.elements):
            bad("elements", "a non-empty list of element symbols")
        if not isinstance(self.twojmax, (int, np.integer)) or self.twojmax < 0:
            bad("twojmax", "an integer >= 0")
        if not self.rcutfac > 0:
            bad("rcutfac", "> 0")
        if not 0 < self.rfac0 <= 1:
            bad("rfac0", "in (0, 1]")
        for key in ("radii", "weights"):
            if len(getattr(self, key)) != len(self.elements):
                bad(key, f"a list of {len(self.elements)} numbers, one per element")
        if not all(r > 0 for r in self.radii):
            bad("radii", "positive")
        if not 0 <= self.rmin0 < self.rcutfac * 2 * min(self.radii):
            bad("rmin0", ">= 0 and below the smallest cutoff")
        if self.switchflag not in (0, 1):
            bad("switchflag", "0 or 1")
        if self.bzeroflag not in (0, 1):
            bad("bzeroflag", "0 or 1")

    def to_dict(self) -> dict:
        """JSON-safe hyperparameters (``from_dict`` rebuilds an equal descriptor)."""
        return {"elements": list(self.elements), "twojmax": int(self.twojmax),
                "rcutfac": float(self.rcutfac), "rfac0": float(self.rfac0),
                "rmin0": float(self.rmin0), "radii": [float(r) for r in self.radii],
                "weights": [float(w) for w in self.weights], "switchflag": int(self.switchflag),
                "bzeroflag": int(self.bzeroflag), "quadratic": bool(self.quadratic)}

    # -- features -----------------------------------------------------------------------------
    @property
    def cutoff(self) -> float:
        """Largest pair cutoff, Å."""
        return float(self.rcutfac * 2 * max(self.radii))

    @property
    def n_linear(self) -> int:
        return len(bispectrum_triples(self.twojmax))

    @property
    def n_features(self) -> int:
        n = self.n_linear
        return n + n * (n + 1) // 2 if self.quadratic else n

    @property
    def feature_names(self) -> tuple[str, ...]:
        lin = [f"B[j1={a},j2={b},j={c}]" for a, b, c in bispectrum_triples(self.twojmax)]
        if not self.quadratic:
            return tuple(lin)
        quad = []
        for k in range(len(lin)):
            quad.append(f"0.5*{lin[k]}^2")
            quad += [f"{lin[k]}*{lin[m]}" for m in range(k + 1, len(lin))]
        return tuple(lin + quad)

    # -- compute ------------------------------------------------------------------------------
    def compute(self, frame, *, gradients: bool = False) -> DescriptorOutput:
        """Bispectrum of every atom of ``frame`` (a Frame or ase.Atoms).

        Returns
        -------
        DescriptorOutput
            ``values`` (n_atoms, n_features); with ``gradients``: ``pairs`` (n_pairs, 2),
            ``grad`` (n_pairs, n_features, 3) = +∂B_i/∂r_j in 1/Å, ``vectors`` (n_pairs, 3) Å.
        """
        self._check()
        frame = as_frame(frame)
        atoms = frame.atoms
        types = element_types(frame, self.elements)
        n_atoms = len(atoms)
        radii = np.asarray(self.radii, dtype=np.float64)
        nl = neighbor_list(atoms, self.cutoff)
        rcut_pair = self.rcutfac * (radii[types[nl.i]] + radii[types[nl.j]])
        keep = (nl.distances < rcut_pair) & (nl.distances > 1e-10)
        i, j = nl.i[keep], nl.j[keep]
        vectors = np.ascontiguousarray(nl.vectors[keep])
        dist = np.ascontiguousarray(nl.distances[keep])
        rcut_pair = np.ascontiguousarray(rcut_pair[keep])
        weight = np.asarray(self.weights, dtype=np.float64)[types[j]]
        counts = np.bincount(i, minlength=n_atoms)
        offsets = np.zeros(n_atoms + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        params = np.array([self.rfac0, self.rmin0, 1.0, self.switchflag, self.bzeroflag], float)
        tables = snap_tables(int(self.twojmax))
        numbers = np.asarray(atoms.numbers, dtype=np.int64)
        if not gradients:
            values = bispectrum_values(tables, offsets, vectors, dist, rcut_pair, weight, params)
            if self.quadratic:
                values, _ = self._quadratic(values, None, None)
            return DescriptorOutput(values=values, numbers=numbers)
        values, grad = bispectrum_gradients(tables, offsets, vectors, dist, rcut_pair, weight,
                                            params)
        # rows: per center, its self row, then its neighbours (offsets shifted by the self rows)
        n_rows = len(dist) + n_atoms
        self_rows = offsets[:-1] + np.arange(n_atoms)
        is_self = np.zeros(n_rows, dtype=bool)
        is_self[self_rows] = True
        pairs = np.empty((n_rows, 2), dtype=np.int64)
        pairs[is_self, 0] = np.arange(n_atoms)
        pairs[is_self, 1] = np.arange(n_atoms)
        pairs[~is_self, 0] = i
        pairs[~is_self, 1] = j
        all_vectors = np.zeros((n_rows, 3))
        all_vectors[~is_self] = vectors
        if self.quadratic:
            values, grad = self._quadratic(values, pairs[:, 0], grad)
        return DescriptorOutput(values=values, numbers=numbers, pairs=pairs, grad=grad,
                                vectors=all_vectors)

    def _quadratic(self, values, centers, grad):
        n = values.shape[1]
        nq = n * (n + 1) // 2
        qvalues = np.empty((values.shape[0], nq))
        if grad is None:
            quadratic_kernel(values, np.zeros(0, np.int64), np.zeros((0, n, 3)), qvalues,
                             np.zeros((0, nq, 3)))
            return np.hstack([values, qvalues]), None
        qgrad = np.empty((grad.shape[0], nq, 3))
        quadratic_kernel(values, centers, grad, qvalues, qgrad)
        return np.hstack([values, qvalues]), np.concatenate([grad, qgrad], axis=1)
