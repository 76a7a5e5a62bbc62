"""``.yace`` files: the ACE basis (and potential) format of ML-PACE (LAMMPS ``pair_style pace``).

A ``.yace`` file is YAML with ``elements``, ``E0`` (per-element energies), ``deltaSplineBins``,
``embeddings`` (per element: ``ndensity``, ``FS_parameters``, ``npoti``, ``rho_core_cutoff``,
``drho_core_cutoff``), ``bonds`` (per ordered element pair ``[i, j]``: ``nradmax``, ``lmax``,
``nradbasemax``, ``radbasename``, ``radparameters`` = [λ], ``radcoefficients``
c[n][l][k], ``prehc``, ``lambdahc``, ``rcut``, ``dcut``, ``rcut_in``, ``dcut_in``,
``inner_cutoff_type``) and ``functions`` (per center element: a list of ``{mu0, rank, ndensity,
num_ms_combs, mus, ns, ls, ms_combs, ctildes}``). FitSNAP writes the same header for its ACE
descriptors (``coupling_coefficients.yace``); python-ace writes it with ``pace_yaml2yace``.

λ (``radparameters[0]``) is dimensionless: x = 1 − 2(e^{−λ r/rc} − e^{−λ})/(1 − e^{−λ}).
The structure-generation workflow (Goff et al.) sets it numerically to 5 % of rc in Å (rc =
4.93 Å → λ = 0.246), which is also :class:`~atomforge.descriptors.ace.ACE`'s default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from ..descriptors.ace.basis import ACEFunction
from ..descriptors.ace.descriptor import ACE
from ..errors import PotentialFileError

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _YaceLoader(_Loader):
    """Safe YAML loader whose flow-sequence mapping keys (``[0, 1]:``) become tuples."""


def _mapping(loader, node, deep=False):
    out = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        out[tuple(key) if isinstance(key, list) else key] = loader.construct_object(value_node, deep=True)
    return out


_YaceLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)

_BOND_KEYS = ("radbasename", "radparameters", "radcoefficients", "rcut")


@dataclass
class YaceFile:
    """The content of a ``.yace`` file.

    Attributes
    ----------
    elements : list of str
    e0 : list of float
        Per-element energy, eV.
    bonds : dict (int, int) → dict
        Per ordered pair (center, neighbour) of element indices, the bond block as read.
    functions : list of dict
        All functions, element 0's first, as read (``ms_combs`` flat, ``ctildes`` per density).
    embeddings : dict int → dict
    delta_spline_bins : float
    """

    elements: list[str]
    e0: list[float]
    bonds: dict
    functions: list[dict]
    embeddings: dict = field(default_factory=dict)
    delta_spline_bins: float = 0.001

    def pair_array(self, key: str, default: float | None = None) -> np.ndarray:
        """Bond value ``key`` as an (n_el, n_el) array [center][neighbour]."""
        n = len(self.elements)
        out = np.empty((n, n))
        for (a, b), bond in self.bonds.items():
            value = bond.get(key, default)
            if isinstance(value, list):
                value = value[0]
            out[a, b] = float(value)
        return out

    def radial_coefficients(self) -> np.ndarray:
        """c[center][neighbour][n][l][k], zero-padded to the largest nradmax, lmax, nradbasemax."""
        n = len(self.elements)
        shapes = [np.asarray(b["radcoefficients"], float).shape for b in self.bonds.values()]
        nr, nl, nk = (max(s[i] for s in shapes) for i in range(3))
        out = np.zeros((n, n, nr, nl, nk))
        for (a, b), bond in self.bonds.items():
            c = np.asarray(bond["radcoefficients"], dtype=np.float64)
            out[a, b, : c.shape[0], : c.shape[1], : c.shape[2]] = c
        return out


def read_yace(path) -> YaceFile:
    """Read a ``.yace`` file; raise :class:`PotentialFileError` naming the file and the field."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.load(f, Loader=_YaceLoader)
    except (OSError, yaml.YAMLError) as err:
        raise PotentialFileError(f"{path}: cannot read as a .yace file: {err}") from err
    if not isinstance(doc, dict):
        raise PotentialFileError(f"{path}: not a .yace file (no YAML mapping at the top)")
    missing = [k for k in ("elements", "bonds", "functions") if k not in doc]
    if missing:
        raise PotentialFileError(f"{path}: not a .yace file: missing {missing}")
    elements = [str(s) for s in doc["elements"]]
    n = len(elements)
    bonds = {}
    for key, bond in doc["bonds"].items():
        if not (isinstance(key, tuple) and len(key) == 2 and all(0 <= k < n for k in key)):
            raise PotentialFileError(f"{path}: bond key {key!r} is not a pair of element indices < {n}")
        absent = [k for k in _BOND_KEYS if k not in bond]
        if absent:
            raise PotentialFileError(f"{path}: bond {list(key)} lacks {absent}")
        bonds[key] = bond
    if len(bonds) != n * n:
        raise PotentialFileError(f"{path}: {len(bonds)} bonds for {n} elements (need all {n * n} ordered pairs)")
    functions = []
    for mu0, block in sorted(doc["functions"].items()):
        for k, spec in enumerate(block):
            absent = [key for key in ("mu0", "mus", "ns", "ls", "ms_combs", "ctildes") if key not in spec]
            if absent:
                raise PotentialFileError(f"{path}: functions[{mu0}][{k}] lacks {absent}")
            if int(spec["mu0"]) != int(mu0):
                raise PotentialFileError(f"{path}: functions[{mu0}][{k}] has mu0 {spec['mu0']}")
            functions.append(spec)
    return YaceFile(elements=elements, e0=[float(x) for x in doc.get("E0", [0.0] * n)], bonds=bonds,
                    functions=functions, embeddings=dict(doc.get("embeddings", {})),
                    delta_spline_bins=float(doc.get("deltaSplineBins", 0.001)))


def read_ace_descriptor(path) -> ACE:
    """The descriptor of a ``.yace`` file's basis (its functions in file order per element).

    Bonds give rcut, λ (``radparameters[0]``), dcut, the inner cutoff (``rcut_in``,
    ``dcut_in``; ``inner_cutoff_type: distance``) and ``radcoefficients``; functions give the
    m-combinations and ``ctildes`` of density 0. A FitSNAP or descriptor file has unit
    coefficients, so B is the plain coupled product; in a fitted potential's file ``ctildes``
    already include the fitted coefficients.
    """
    doc = read_yace(path)
    return ace_descriptor(doc, [ACEFunction.from_yace(spec) for spec in doc.functions], path)


def ace_descriptor(doc: YaceFile, funcs: list[ACEFunction], path) -> ACE:
    """The :class:`ACE` descriptor of ``funcs`` with the radial settings of ``doc``'s bonds."""
    for (a, b), bond in doc.bonds.items():
        if bond["radbasename"] != "ChebExpCos":
            raise PotentialFileError(f"{path}: bond {[a, b]} uses radial base "
                                     f"{bond['radbasename']!r}; atomforge reads ChebExpCos only")
        kind = bond.get("inner_cutoff_type", "distance")
        if kind != "distance" and float(bond.get("rcut_in", 0.0)) > 0:
            raise PotentialFileError(f"{path}: bond {[a, b]}: inner_cutoff_type {kind!r} with "
                                     "rcut_in > 0 is not supported (only 'distance')")
    ranks = max(f.rank for f in funcs)
    nmax = [max([max(f.ns) for f in funcs if f.rank == r], default=1) for r in range(1, ranks + 1)]
    lmax = [max([max(f.ls) for f in funcs if f.rank == r], default=0) for r in range(1, ranks + 1)]
    lmin = [min([min(f.ls) for f in funcs if f.rank == r], default=0) for r in range(1, ranks + 1)]

    def matrix(key, default=0.0):
        return doc.pair_array(key, default).tolist()

    return ACE(elements=doc.elements, nmax=nmax, lmax=lmax, lmin=lmin, rcut=matrix("rcut"),
               radial_lambda=matrix("radparameters"), dcut=matrix("dcut"),
               r_in=matrix("rcut_in"), dr_in=matrix("dcut_in"),
               radcoefficients=doc.radial_coefficients().tolist(),
               functions=[f.to_yace() for f in funcs])
