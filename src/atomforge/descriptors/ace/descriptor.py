"""The Atomic Cluster Expansion (ACE) descriptor with sparse analytic gradients.

Drautz, Phys. Rev. B 99, 014104 (2019); Dusson et al., J. Comput. Phys. 454, 110946 (2022);
Lysogorskiy et al., npj Comput. Mater. 7, 97 (2021). Per atom i of element μ0:

- radial base g_k(r) (ChebExpCos, :func:`~atomforge.descriptors.ace._kernels.radial_base`) with
  rc, λ, dcut, r_in, dr_in per ordered element pair; radial functions R_nl = Σ_k c_{nlk} g_k
  (``radcoefficients``, default c_{nlk} = δ_nk);
- atomic base A_{μnlm} = Σ_{j of element μ} R_nl(r_ij) Y_lm(r̂_ij) (Y_00 = 1, Condon–Shortley phase;
  no self term), and for rank 1 A_{μn} = Σ_j g_n(r_ij);
- B = Re Σ_c coef_c Π_t A_{μ_t n_t l_t m_ct} over the functions of element μ0 (rank 1: B = A_{μn}).

The functions are either enumerated (complete, independent, even Σl; see
:mod:`~atomforge.descriptors.ace.basis`) from per-rank ``nmax``/``lmax``/``lmin``, or given
explicitly (``functions``, e.g. read from a ``.yace`` file with :func:`atomforge.lammps.yace.read_ace_descriptor`).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from ase.data import atomic_numbers

from ...errors import ConfigError
from ...neighbors import neighbor_list
from ..base import DescriptorBase, DescriptorOutput, as_frame, element_types
from ._kernels import ace_kernel, ace_kernel_serial
from .basis import ACEFunction, enumerate_functions
from .tables import basis_sizes, build_tables, check_function, pair_matrix, radial_coefficients

PairValue = float | list[list[float]]

#: Below this many neighbour pairs the kernel runs on one thread (thread wake-up costs more).
SERIAL_PAIRS = 2000


class ACE(DescriptorBase):
    """ACE B functions of every atom, with sparse analytic gradients.

    Parameters (keyword only)
    ----------
    elements : list of str
        Element symbols; the order of per-pair settings and of ``.yace`` element indices.
    nmax, lmax : list of int
        Per rank (rank 1 first; their length is the largest rank, 1 to 5): largest radial index
        and angular momentum. Default: the structure-generation basis nmax [8, 2, 2, 1],
        lmax [0, 2, 2, 1]. ``lmax[0]`` must be 0.
    lmin : list of int or None
        Per-rank smallest l (default 0 for every rank).
    degree : list of float or None
        Per-rank total degree: keep a rank-N function only if Σ_t (n_t + degree_l_weight·l_t) ≤
        degree[N-1] (ACEpotentials.jl-style sparse selection inside the nmax/lmax box); None
        (default): the full box.
    degree_l_weight : float
        Weight of l in ``degree`` (default 1.5, ACE1x's wL).
    rcut : float or list of list of float
        Cutoff, Å: one number or an (n_el × n_el) list [center][neighbour] (default 5.0).
    radial_lambda : float, list of list of float, or None
        λ of the ChebExpCos base (dimensionless, ``.yace`` ``radparameters``); None (default):
        0.05·rc/Å per pair, as the structure-generation workflow does.
    dcut : float or list of list of float
        Width (Å) of ML-PACE's extra cosine taper on (rc − dcut, rc); 0 (default): none.
    r_in, dr_in : float or list of list of float
        Inner cutoff, Å: radial functions are zero up to r_in − dr_in and reach their full value
        at r_in through a quintic step (ML-PACE ``inner_cutoff_type: distance``); 0 (default): off.
    radcoefficients : list or None
        c_{nlk} of R_nl = Σ_k c_{nlk} g_k, shape (nmax, lmax+1, nbase) or (n_el, n_el, nmax,
        lmax+1, nbase); None (default): R_nl = g_n.
    functions : list of dict or None
        Explicit basis (``.yace`` function dicts: mu0, mus, ns, ls, ms_combs, ctildes); when
        given, ``nmax``, ``lmax``, ``lmin`` and ``degree`` only describe it and are not used.

    Notes
    -----
    Feature k of an atom of element e is the k-th function of e (enumerated bases list the same
    labels for every element; elements with fewer functions have zero features at the end).
    ``compute`` returns ``grad[p] = +∂B_i/∂r_j`` in 1/Å, one self row per center (first among its
    rows), then one row per neighbour image. The kernel runs in parallel over atoms on numba's
    threads (on one thread below ``SERIAL_PAIRS`` pairs).
    """

    name: ClassVar[str] = "ace"

    def __init__(self, *, elements: list[str], nmax: list[int] = (8, 2, 2, 1),
                 lmax: list[int] = (0, 2, 2, 1), lmin: list[int] | None = None,
                 degree: list[float] | None = None, degree_l_weight: float = 1.5,
                 rcut: PairValue = 5.0, radial_lambda: PairValue | None = None,
                 dcut: PairValue = 0.0, r_in: PairValue = 0.0, dr_in: PairValue = 0.0,
                 radcoefficients: list | None = None, functions: list[dict] | None = None):
        self.elements = list(elements)
        self.nmax = list(nmax)
        self.lmax = list(lmax)
        self.lmin = None if lmin is None else list(lmin)
        self.degree = None if degree is None else list(degree)
        self.degree_l_weight = degree_l_weight
        self.rcut = rcut
        self.radial_lambda = radial_lambda
        self.dcut = dcut
        self.r_in = r_in
        self.dr_in = dr_in
        self.radcoefficients = radcoefficients
        self.functions = functions
        self._prepared = None


    # -- spec ---------------------------------------------------------------------------------
    def _key(self):
        plain = (self.elements, self.nmax, self.lmax, self.lmin, self.degree, self.degree_l_weight,
                 self.rcut, self.radial_lambda, self.dcut, self.r_in, self.dr_in)
        return repr(plain), id(self.radcoefficients), id(self.functions)

    def _prepare(self):
        """Functions, kernel tables and per-pair radial arrays (cached until a hyperparameter changes)."""
        key = self._key()
        if self._prepared is not None and self._prepared[0] == key:
            return self._prepared[1]
        elements = self.elements
        if not elements or any(s not in atomic_numbers for s in elements) or len(set(elements)) < len(elements):
            raise ConfigError(f"ACE: 'elements' must be distinct element symbols, got {elements!r}")
        n_el = len(elements)
        if self.functions is None:
            functions = enumerate_functions(n_el, self.nmax, self.lmax, self.lmin, self.degree,
                                            self.degree_l_weight)
        else:
            functions = [f if isinstance(f, ACEFunction) else ACEFunction.from_yace(f) for f in self.functions]
            if not functions:
                raise ConfigError("ACE: 'functions' is empty")
            for f in functions:
                check_function(f, n_el, "functions")
        nrad, lmax, nbase = basis_sizes(functions)
        crad_given = self.radcoefficients is not None
        if not crad_given:
            nbase = max(nbase, nrad)
        crad = radial_coefficients(self.radcoefficients, n_el, nrad, lmax, nbase)
        nbase = crad.shape[-1]
        rc = pair_matrix(self.rcut, elements, "rcut")
        lam = pair_matrix(self.radial_lambda, elements, "radial_lambda", default=0.05 * rc)
        dcut = pair_matrix(self.dcut, elements, "dcut")
        r_in = pair_matrix(self.r_in, elements, "r_in")
        dr_in = pair_matrix(self.dr_in, elements, "dr_in")
        for name, arr, ok in (("rcut", rc, rc > 0), ("radial_lambda", lam, lam > 0),
                              ("dcut", dcut, (dcut >= 0) & (dcut < rc)),
                              ("r_in", r_in, (r_in >= 0) & (r_in < rc)), ("dr_in", dr_in, dr_in >= 0)):
            if not np.all(ok):
                raise ConfigError(f"ACE: '{name}' out of range: {arr.tolist()} (need rcut > 0, "
                                  "radial_lambda > 0, 0 ≤ dcut < rcut, 0 ≤ r_in < rcut, dr_in ≥ 0)")
        tables, order = build_tables(functions, n_el, nrad, lmax, nbase)
        per_element = [[functions[k] for k in order if functions[k].mu0 == e] for e in range(n_el)]
        radial = (rc, lam, dcut, r_in, dr_in, np.ascontiguousarray(crad))
        prepared = (functions, per_element, tables, radial)
        self._prepared = (key, prepared)
        return prepared

    def functions_by_element(self) -> list[list[ACEFunction]]:
        """The functions of each element in feature order: feature k of element e is entry [e][k]."""
        return self._prepare()[1]

    def radial_arrays(self) -> dict[str, np.ndarray]:
        """Per ordered element pair [center][neighbour]: ``rcut``, ``radial_lambda``, ``dcut``,
        ``r_in``, ``dr_in`` (n_el, n_el) and ``radcoefficients`` (n_el, n_el, nmax, lmax + 1, nbase)."""
        keys = ("rcut", "radial_lambda", "dcut", "r_in", "dr_in", "radcoefficients")
        return dict(zip(keys, self._prepare()[3]))

    @property
    def cutoff(self) -> float:
        """Largest pair cutoff, Å."""
        return float(np.max(pair_matrix(self.rcut, self.elements, "rcut")))

    @property
    def n_features(self) -> int:
        return max(len(block) for block in self._prepare()[1])

    @property
    def feature_names(self) -> tuple[str, ...]:
        """The label of feature k when every element's k-th function has it, else ``ace[k]``."""
        per_element = self._prepare()[1]
        names = []
        for k in range(self.n_features):
            labels = {block[k].label(self.elements) for block in per_element if k < len(block)}
            names.append(labels.pop() if len(labels) == 1 else f"ace[{k}]")
        seen: dict[str, int] = {}
        unique = []
        for s in names:
            seen[s] = seen.get(s, 0) + 1
            unique.append(s if seen[s] == 1 else f"{s}#{seen[s]}")
        return tuple(unique)

    # -- compute ------------------------------------------------------------------------------
    def compute(self, frame, *, gradients: bool = False) -> DescriptorOutput:
        """ACE B functions of every atom of ``frame`` (a Frame or ase.Atoms).

        Returns
        -------
        DescriptorOutput
            ``values`` (n_atoms, n_features); with ``gradients``: ``pairs`` (n_pairs, 2),
            ``grad`` (n_pairs, n_features, 3) = +∂B_i/∂r_j in 1/Å, ``vectors`` (n_pairs, 3) Å.
        """
        _, _, tables, radial = self._prepare()
        frame = as_frame(frame)
        atoms = frame.atoms
        types = element_types(frame, self.elements)
        n_atoms = len(atoms)
        nl = neighbor_list(atoms, self.cutoff)
        keep = (nl.distances < radial[0][types[nl.i], types[nl.j]]) & (nl.distances > 1e-10)
        i, j = nl.i[keep], nl.j[keep]
        vectors = np.ascontiguousarray(nl.vectors[keep])
        dist = np.ascontiguousarray(nl.distances[keep])
        offsets = np.zeros(n_atoms + 1, dtype=np.int64)
        np.cumsum(np.bincount(i, minlength=n_atoms), out=offsets[1:])
        numbers = np.asarray(atoms.numbers, dtype=np.int64)
        n_feat = self.n_features
        values = np.zeros((n_atoms, n_feat))
        neighbour_types = np.ascontiguousarray(types[j])
        kernel = ace_kernel_serial if len(dist) < SERIAL_PAIRS else ace_kernel
        if not gradients:
            kernel(tables, radial, offsets, types, neighbour_types, vectors, dist, values,
                       np.zeros((0, n_feat, 3)), False)
            return DescriptorOutput(values=values, numbers=numbers)
        n_rows = len(dist) + n_atoms
        grad = np.zeros((n_rows, n_feat, 3))
        kernel(tables, radial, offsets, types, neighbour_types, vectors, dist, values, grad, True)
        self_rows = offsets[:-1] + np.arange(n_atoms)
        is_self = np.zeros(n_rows, dtype=bool)
        is_self[self_rows] = True
        pairs = np.empty((n_rows, 2), dtype=np.int64)
        pairs[self_rows, 0] = pairs[self_rows, 1] = np.arange(n_atoms)
        pairs[~is_self, 0] = i
        pairs[~is_self, 1] = j
        all_vectors = np.zeros((n_rows, 3))
        all_vectors[~is_self] = vectors
        return DescriptorOutput(values=values, numbers=numbers, pairs=pairs, grad=grad,
                                vectors=all_vectors)
