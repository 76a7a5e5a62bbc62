"""Structure vectors of spline-MEAM potentials: many parameter sets as matrix products.

For fixed knot positions, every spline is linear in its parameters θ = [y, d0, dN]
(:mod:`atomforge.models.spline`). So for one structure, the pair energy, its gradient and virial
are linear in θ_φ, and each atom's density is linear in the *density features*
z = [θ_ρ, θ_f ⊗ θ_f ⊗ θ_g] (Vita & Trinkle, Comput. Mater. Sci. 200, 110752 (2021), Sec. 2.2):

    E = e_φ · θ + Σ_i [U(n_i) − U(0)],   n_i = D_i · z,
    F_m = −g_φ,m · θ − Σ_i U'(n_i) (∂D_i/∂r_m) · z,
    σ = (1/V) [v_φ · θ + Σ_i U'(n_i) V_i · z].

The arrays e_φ, g_φ, v_φ, D, ∂D/∂r, V (the structure vectors) depend on the structure and the
knots only; they are computed once (:func:`compute_structure_vectors`), stored in HDF5
(:func:`save_structure_vectors`) and reused for every parameter set. Same-element three-body
blocks are stored folded (f_u f_v = f_v f_u), which halves them. Forces may be kept for a
subset of atoms per structure (``force_atoms``), which bounds memory on large data sets.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numba import njit

from ...models.meam_spline import SplineMEAM
from ...models.spline import spline_eval
from ...neighbors import neighbor_list
from ._structure_vector_kernels import structure_vector_arrays

VOIGT = [(0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1)]


class Layout:
    """Where each spline's parameters sit, and how θ becomes density features z.

    Parameters
    ----------
    template : SplineMEAM
        Its form (variant, species, knot positions) is used; its knot values are not.
    """

    def __init__(self, template: SplineMEAM):
        self.template = template
        self.species = list(template.species)
        n = len(self.species)
        blocks = template.blocks()
        self.n_params = blocks[-1][3]
        self.slices = {(name, k): slice(a, b) for name, k, a, b in blocks}
        self.cutoff = template.cutoff
        flat = [template.splines[name][k] for name, k, _, _ in blocks]
        kmax = max(s.n_knots for s in flat)
        x = np.zeros((len(flat), kmax))
        m = np.zeros((len(flat), kmax, kmax + 2))
        for q, s in enumerate(flat):
            x[q, : s.n_knots] = s.x
            m[q, : s.n_knots, : s.n_knots + 2] = s.matrix
        self.spline_table = (x, m, np.array([s.n_knots for s in flat], dtype=np.int64))
        index = {(name, k): q for q, (name, k, _, _) in enumerate(blocks)}
        theta_off = np.array([a for _, _, a, _ in blocks], dtype=np.int64)
        pair = np.zeros((n, n), dtype=np.int64)
        a_, b_ = np.triu_indices(n)
        pair[a_, b_] = np.arange(len(a_))
        pair[b_, a_] = pair[a_, b_]

        def ids(name):
            if name not in template.splines:
                return -np.ones((n, n) if name in ("phi", "g") else (n,), dtype=np.int64)
            if name in ("phi", "g"):
                return np.vectorize(lambda k: index[(name, k)])(pair).astype(np.int64)
            return np.array([index[(name, t)] for t in range(n)], dtype=np.int64)

        self.ids = (ids("phi"), ids("rho"), ids("f"), ids("g"))
        self.size = {q: s.n_knots + 2 for q, s in enumerate(flat)}
        # density feature layout (full, then folded)
        rho_off = -np.ones(n, dtype=np.int64)
        blk_off = -np.ones((n, n), dtype=np.int64)
        pos = 0
        if "rho" in template.splines:
            for t in range(n):
                rho_off[t] = pos
                pos += self.size[self.ids[1][t]]
        self.n_rho = pos
        self.three_body = []  # (a, b, offset_full, shape, offset_folded, folded size)
        pos_red = pos
        if "f" in template.splines:
            for a in range(n):
                for b in range(a, n):
                    shape = (self.size[self.ids[2][a]], self.size[self.ids[2][b]], self.size[self.ids[3][a, b]])
                    blk_off[a, b] = pos
                    red = (shape[0] * (shape[0] + 1) // 2 if a == b else shape[0] * shape[1]) * shape[2]
                    self.three_body.append((a, b, pos, shape, pos_red, red))
                    pos += int(np.prod(shape))
                    pos_red += red
        self.n_dens_full, self.n_dens = pos, pos_red
        self.offsets = (theta_off, rho_off, blk_off, self._column_map())
        self.u_roughness = self._u_roughness()

    def _u_roughness(self) -> np.ndarray:
        """Matrix C, shape (n_rows, n_params), with |C θ|² the mean over elements of
        (1 / (x_N − x_0)) ∫ U''(n)² dn over U's knots: the mean-square curvature of the embedding
        functions (eV² per density unit⁴). No rows without U."""
        us = self.template.splines.get("U", [])
        rows = []
        for t, u in enumerate(us):
            block = np.zeros((u.n_knots, self.n_params))
            block[:, self.slices[("U", t)]] = u.roughness_matrix() / np.sqrt((u.x[-1] - u.x[0]) * len(us))
            rows.append(block)
        return np.vstack(rows) if rows else np.zeros((0, self.n_params))

    def _column_map(self) -> np.ndarray:
        """(n_dens_full,) int64: the stored (folded) column of each full density feature."""
        fold = np.arange(max(self.n_dens_full, 1), dtype=np.int64)
        for a, b, off, (n1, n2, n3), off_red, _ in self.three_body:
            if a != b:
                fold[off: off + n1 * n2 * n3] = off_red + np.arange(n1 * n2 * n3)
                continue
            iu, ju = np.triu_indices(n1)
            red_of = np.zeros((n1, n1), dtype=np.int64)
            red_of[iu, ju] = np.arange(len(iu))
            red_of[ju, iu] = red_of[iu, ju]
            for u in range(n1):
                for v in range(n1):
                    for w in range(n3):
                        fold[off + (u * n2 + v) * n3 + w] = off_red + red_of[u, v] * n3 + w
        return fold

    def features(self, thetas: np.ndarray) -> np.ndarray:
        """Folded density features z, shape (P, n_dens), of parameter sets ``thetas`` (P, n_params)."""
        thetas = np.atleast_2d(thetas)
        p = thetas.shape[0]
        z = np.empty((p, self.n_dens))
        if self.n_rho:
            parts = [thetas[:, self.slices[("rho", t)]] for t in range(len(self.species))]
            z[:, : self.n_rho] = np.concatenate(parts, axis=1)
        for a, b, _, (n1, n2, n3), off_red, red in self.three_body:
            fa = thetas[:, self.slices[("f", a)]]
            fb = thetas[:, self.slices[("f", b)]]
            g = thetas[:, self.slices[("g", self._pair_k(a, b))]]
            if a == b:
                iu, ju = np.triu_indices(n1)
                ff = fa[:, iu] * fa[:, ju]
            else:
                ff = (fa[:, :, None] * fb[:, None, :]).reshape(p, -1)
            z[:, off_red: off_red + red] = (ff[:, :, None] * g[:, None, :]).reshape(p, -1)
        return z

    def _pair_k(self, a: int, b: int) -> int:
        n = len(self.species)
        a, b = min(a, b), max(a, b)
        return b + a * n - a * (a + 1) // 2


@dataclass
class StructureVectors:
    """Structure vectors of one structure (see the module docstring).

    Attributes
    ----------
    types : (n_atoms,) int64 element index of each atom
    volume : float, Å³ (0 for a structure without a periodic cell)
    e_phi : (n_params,)              E_pair = e_phi @ θ, eV
    dens : (n_atoms, n_dens)         n_i = dens @ z
    force_atoms : (n_force,) int64   atoms whose forces are kept
    g_phi : (n_force, 3, n_params)   ∂E_pair/∂r_m
    row_center : (n_rows,) int64     atom i of each density-derivative row
    row_force : (n_rows,) int64      position in ``force_atoms`` of atom m of each row
    d_dens : (n_rows, 3, n_dens)     ∂n_i/∂r_m
    v_phi : (6, n_params)            pair virial, Voigt
    v_dens : (n_atoms, 6, n_dens)    Σ_p r_p ⊗ ∂n_i/∂r_p, Voigt
    """

    types: np.ndarray
    volume: float
    e_phi: np.ndarray
    dens: np.ndarray
    force_atoms: np.ndarray
    g_phi: np.ndarray
    row_center: np.ndarray
    row_force: np.ndarray
    d_dens: np.ndarray
    v_phi: np.ndarray
    v_dens: np.ndarray

    @property
    def n_atoms(self) -> int:
        return len(self.types)


def _voigt(a: np.ndarray) -> np.ndarray:
    """(..., 9, k) row-major 3×3 → (..., 6, k) Voigt of the symmetric part."""
    return np.stack([0.5 * (a[..., 3 * i + j, :] + a[..., 3 * j + i, :]) for i, j in VOIGT], axis=-2)


def compute_structure_vectors(layout: Layout, atoms, force_atoms=None) -> StructureVectors:
    """Structure vectors of ``atoms`` for ``layout``.

    Parameters
    ----------
    layout : Layout
    atoms : ase.Atoms
    force_atoms : array of int, optional
        Atoms whose forces are kept (default: all).
    """
    n_atoms = len(atoms)
    types = layout.template.types_of(atoms)
    nl = neighbor_list(atoms, layout.cutoff)
    off = nl.offsets(n_atoms)
    force_atoms = np.arange(n_atoms) if force_atoms is None else np.asarray(force_atoms, dtype=np.int64)
    pos_of = -np.ones(n_atoms, dtype=np.int64)
    pos_of[force_atoms] = np.arange(len(force_atoms))
    # one row per (center i, atom m) with m a kept force atom: i itself or a neighbor of i
    keys = np.concatenate([nl.i * n_atoms + nl.j, np.arange(n_atoms) * n_atoms + np.arange(n_atoms)])
    keep = pos_of[keys % n_atoms] >= 0
    uniq = np.unique(keys[keep])
    pair_keys = nl.i * n_atoms + nl.j
    pair_row = np.where(pos_of[nl.j] >= 0, np.searchsorted(uniq, pair_keys), -1).astype(np.int64)
    self_keys = np.arange(n_atoms) * (n_atoms + 1)
    self_row = np.where(pos_of >= 0, np.searchsorted(uniq, self_keys), -1).astype(np.int64)
    geo = (types, off, nl.j, nl.vectors, nl.distances, float(layout.cutoff))
    sizes = (n_atoms, layout.n_params, layout.n_dens, len(uniq))
    e_phi, g_phi, v_phi, dens, d_dens, v_dens = structure_vector_arrays(
        layout.spline_table, layout.ids, layout.offsets, geo, (pair_row, self_row), sizes)
    volume = float(atoms.get_volume()) if atoms.pbc.all() else 0.0
    return StructureVectors(
        types=types, volume=volume, e_phi=e_phi.sum(axis=0), dens=dens,
        force_atoms=force_atoms, g_phi=g_phi[force_atoms],
        row_center=(uniq // n_atoms).astype(np.int64), row_force=pos_of[uniq % n_atoms],
        d_dens=d_dens, v_phi=_voigt(v_phi.sum(axis=0)), v_dens=_voigt(v_dens))

@njit(cache=True, fastmath=False)
def _embed(x, y, y2, ends, n, types_mask):
    """U and U' of densities ``n`` (P, n_atoms) for atoms where ``types_mask``; U params per row."""
    p_sets, n_atoms = n.shape
    u = np.zeros((p_sets, n_atoms))
    du = np.zeros((p_sets, n_atoms))
    for p in range(p_sets):
        for i in range(n_atoms):
            if types_mask[i]:
                u[p, i], du[p, i] = spline_eval(x, y[p], y2[p], ends[p, 0], ends[p, 1], n[p, i])
    return u, du


def embedding(layout: Layout, thetas: np.ndarray, n: np.ndarray, types: np.ndarray):
    """U(n) − U(0) and U'(n), each (P, n_atoms), for parameter sets ``thetas`` (P, n_params)."""
    u = np.zeros_like(n)
    du = np.zeros_like(n)
    if "U" not in layout.template.splines:
        return u, du
    zero = np.zeros((n.shape[0], 1))
    for t in range(len(layout.species)):
        spline = layout.template.splines["U"][t]
        th = np.ascontiguousarray(thetas[:, layout.slices[("U", t)]])
        k = spline.n_knots
        y, ends = np.ascontiguousarray(th[:, :k]), np.ascontiguousarray(th[:, k:])
        y2 = np.ascontiguousarray(th @ spline.matrix.T)
        mask = types == t
        ut, dut = _embed(spline.x, y, y2, ends, n, mask)
        u0, _ = _embed(spline.x, y, y2, ends, zero, np.ones(1, dtype=np.bool_))
        u += np.where(mask, ut - u0, 0.0)
        du += dut
    return u, du


@njit(cache=True, fastmath=False)
def _scatter_forces(g, du, row_center, row_force, forces):
    """forces[p, m] -= du[p, i] g[p, row] over rows (i, m)."""
    for p in range(g.shape[0]):
        for r in range(row_center.shape[0]):
            w = du[p, row_center[r]]
            for c in range(3):
                forces[p, row_force[r], c] -= w * g[p, r, c]


def evaluate_batch(layout: Layout, sv: StructureVectors, thetas: np.ndarray, *, forces: bool = True,
                   stress: bool = True, chunk: int = 2000) -> dict[str, np.ndarray]:
    """Energies, forces and stress of one structure for P parameter sets at once.

    Parameters
    ----------
    thetas : ndarray, shape (P, n_params)
    chunk : int
        Parameter sets per block of the force product (bounds memory).

    Returns
    -------
    dict with ``energy`` (P,) eV, ``densities`` (P, n_atoms), ``forces`` (P, n_force, 3) eV/Å
    on ``sv.force_atoms``, ``stress`` (P, 6) eV/Å³ (ASE sign; only with a periodic cell).
    """
    thetas = np.ascontiguousarray(np.atleast_2d(thetas), dtype=np.float64)
    z = layout.features(thetas)  # (P, n_dens)
    n = z @ sv.dens.T  # (P, n_atoms)
    u, du = embedding(layout, thetas, n, sv.types)
    out = {"energy": thetas @ sv.e_phi + u.sum(axis=1), "densities": n}
    if forces:
        f = -(thetas @ sv.g_phi.reshape(-1, layout.n_params).T).reshape(len(thetas), -1, 3)
        for a in range(0, len(thetas) if layout.n_dens else 0, chunk):
            dd = sv.d_dens.reshape(-1, layout.n_dens)
            g = (z[a:a + chunk] @ dd.T).reshape(-1, len(sv.row_center), 3)
            _scatter_forces(g, np.ascontiguousarray(du[a:a + chunk]), sv.row_center, sv.row_force,
                            f[a:a + chunk])
        out["forces"] = f
    if stress and sv.volume > 0:
        s = thetas @ sv.v_phi.T  # (P, 6)
        if layout.n_dens:
            vz = (z @ sv.v_dens.reshape(-1, layout.n_dens).T).reshape(len(thetas), sv.n_atoms, 6)
            s += np.einsum("pi,pik->pk", du, vz)
        out["stress"] = s / sv.volume
    return out


# ---- HDF5 ---------------------------------------------------------------------------------
_FIELDS = ("types", "e_phi", "dens", "force_atoms", "g_phi", "row_center", "row_force", "d_dens",
           "v_phi", "v_dens")


def save_structure_vectors(path: str | os.PathLike, layout: Layout, vectors: list[StructureVectors],
                           names: list[str] | None = None) -> Path:
    """Write structure vectors (and the potential form they belong to) to an HDF5 file atomically."""
    import json

    import h5py

    from ...fileio import write_atomically

    spec, arrays = layout.template.to_dict()

    def write(fh):
        with h5py.File(fh, "w") as h5:
            h5.attrs["format"] = "atomforge-structure-vectors"
            h5.attrs["format_version"] = 1
            h5.attrs["template"] = json.dumps(spec)
            tpl = h5.create_group("template")
            for k, v in arrays.items():
                tpl[k] = v
            for q, sv in enumerate(vectors):
                grp = h5.create_group(f"s{q:06d}")
                grp.attrs["volume"] = sv.volume
                grp.attrs["name"] = names[q] if names else str(q)
                for k in _FIELDS:
                    grp.create_dataset(k, data=getattr(sv, k), compression="gzip", compression_opts=1)

    write_atomically(path, write)
    return Path(path)


def load_structure_vectors(path: str | os.PathLike) -> tuple[Layout, list[StructureVectors], list[str]]:
    """Read what :func:`save_structure_vectors` wrote: the layout, the vectors and their names."""
    import json

    import h5py

    from ...errors import PotentialFileError

    with h5py.File(path, "r") as h5:
        if h5.attrs.get("format") != "atomforge-structure-vectors":
            raise PotentialFileError(f"{path}: not an atomforge structure-vector file")
        spec = json.loads(h5.attrs["template"])
        arrays = {k: v[()] for k, v in h5["template"].items()}
        layout = Layout(SplineMEAM.from_dict(spec, arrays))
        keys = sorted(k for k in h5.keys() if k.startswith("s"))
        vectors = [StructureVectors(volume=float(h5[k].attrs["volume"]),
                                    **{f: h5[k][f][()] for f in _FIELDS}) for k in keys]
        names = [str(h5[k].attrs["name"]) for k in keys]
    return layout, vectors, names
