"""Moment Tensor Potentials (Shapeev, Multiscale Model. Simul. 14, 1153 (2016)): MLIP ``.mtp`` files.

atomforge evaluates published MTPs (e.g. the mlearn models of Zuo et al. 2020) so that they can be
compared with atomforge's own potentials on the same structures. It does not fit them.

With û = r_ij / r_ij and t_i the type (0-based species index) of atom i:

    E_i = c_{t_i} + Σ_s ξ_s M_{a_s}(i)
    M_b(i) = Σ_{j, r_ij < r_max} f_{μ_b}^{t_i t_j}(r_ij) û_x^{p_b} û_y^{q_b} û_z^{s_b}      (basic moments)
    M_k(i) += m M_a(i) M_b(i)   for each (a, b, m, k) of ``alpha_index_times``             (products)
    f_μ^{tt'}(r) = σ Σ_n c_{tt'μn} T_n(x) (r − r_max)²,   x = (2r − r_min − r_max) / (r_max − r_min)

(T_n Chebyshev polynomials, no lower cutoff: pairs below r_min still count). c_t is
``species_coeffs``, ξ ``moment_coeffs``, a_s ``alpha_moment_mapping``, (μ, p, q, s) the rows of
``alpha_index_basic``, c_{tt'μn} ``radial_coeffs`` and σ the file's ``scaling`` (1 where absent; it
multiplies every radial basis function, so it enters the products of moments to their degree: the
published mlearn MTPs reproduce their paper's test errors with it and are off by orders of magnitude
without it). Forces and stress are the exact gradient (reverse pass through the products, then the
chain rule to each pair vector). The evaluation is plain NumPy, for comparisons on DFT-sized cells:
its memory grows as pairs × basic moments (≈ 30 MB per 1,000 pairs for the mlearn files' 295), and
it is no measure of MLIP's speed.

MLIP files do not name their elements: give them in ``species``, in the file's type order.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
from ase import Atoms
from scipy.sparse import csr_matrix

from ..errors import ConfigError, PotentialFileError
from ..neighbors import neighbor_list
from ..potential import Evaluation, Potential
from ..units import matrix_to_voigt
from ._meam_spline_kernels import forces_virial

_ARRAYS = ("radial_coeffs", "alpha_index_basic", "alpha_index_times", "alpha_moment_mapping",
           "species_coeffs", "moment_coeffs")


class MomentTensorPotential(Potential):
    """A Moment Tensor Potential with the Chebyshev radial basis of MLIP (``RBChebyshev``).

    Parameters
    ----------
    species : list of str
        Element of each MTP type, in type order.
    min_dist, max_dist : float, Å
        Radial basis interval; ``max_dist`` is the cutoff.
    scaling : float
        σ, the factor of every radial basis function.
    radial_coeffs : ndarray, shape (n_species, n_species, n_radial_funcs, radial_basis_size)
    alpha_index_basic : ndarray, shape (n_basic, 4), int: (μ, p, q, s) of each basic moment
    alpha_index_times : ndarray, shape (n_times, 4), int: (a, b, m, k), M_k += m M_a M_b
    alpha_moment_mapping : ndarray, shape (n_scalar,), int: the moments that enter the energy
    species_coeffs : ndarray, shape (n_species,), eV
    moment_coeffs : ndarray, shape (n_scalar,), eV
    """

    kind = "mtp"

    def __init__(self, species, min_dist, max_dist, scaling, radial_coeffs, alpha_index_basic, alpha_index_times,
                 alpha_moment_mapping, species_coeffs, moment_coeffs):
        self.species = list(species)
        self.min_dist, self.max_dist, self.scaling = float(min_dist), float(max_dist), float(scaling)
        self.cutoff = self.max_dist
        self.radial_coeffs = np.asarray(radial_coeffs, dtype=float)
        self.alpha_index_basic = np.asarray(alpha_index_basic, dtype=np.int64).reshape(-1, 4)
        self.alpha_index_times = np.asarray(alpha_index_times, dtype=np.int64).reshape(-1, 4)
        self.alpha_moment_mapping = np.asarray(alpha_moment_mapping, dtype=np.int64)
        self.species_coeffs = np.asarray(species_coeffs, dtype=float)
        self.moment_coeffs = np.asarray(moment_coeffs, dtype=float)
        n = len(self.species)
        if self.radial_coeffs.ndim != 4 or self.radial_coeffs.shape[:2] != (n, n) or len(self.species_coeffs) != n:
            raise ConfigError(f"an MTP of {n} species needs radial_coeffs (n, n, funcs, size) and {n} species_coeffs")
        if len(self.moment_coeffs) != len(self.alpha_moment_mapping):
            raise ConfigError("moment_coeffs and alpha_moment_mapping differ in length")
        times = self.alpha_index_times
        if np.any(np.maximum(times[:, 0], times[:, 1]) >= times[:, 3]):
            raise ConfigError("alpha_index_times: a product uses a moment that is not computed before it")
        self.n_moments = int(max(len(self.alpha_index_basic), times[:, 3].max(initial=-1) + 1,
                                 self.alpha_moment_mapping.max(initial=-1) + 1))
        self._levels = _product_levels(times, self.n_moments)

    # ---- reading --------------------------------------------------------------------------------
    @classmethod
    def read(cls, path, species) -> "MomentTensorPotential":
        """Read an MLIP ``.mtp`` file (``version = 1.1.0``, ``radial_basis_type = RBChebyshev``)."""
        path = Path(path)
        fields = _parse_mtp(path)
        if fields.get("radial_basis_type") != "RBChebyshev":
            raise PotentialFileError(f"{path}: radial basis {fields.get('radial_basis_type')!r} is not RBChebyshev")
        n = int(fields["species_count"])
        if len(species) != n:
            raise ConfigError(f"{path} has {n} species; give {n} elements (got {list(species)})")
        size, funcs = int(fields["radial_basis_size"]), int(fields["radial_funcs_count"])
        radial = np.zeros((n, n, funcs, size))
        for (a, b), rows in fields["radial_coeffs"].items():
            radial[a, b] = np.array(rows, dtype=float).reshape(funcs, size)
        return cls(species, float(fields["min_dist"]), float(fields["max_dist"]), float(fields.get("scaling", 1.0)),
                   radial, **{k: np.array(json.loads(fields[k])) for k in _ARRAYS if k != "radial_coeffs"})

    # ---- evaluation -----------------------------------------------------------------------------
    def evaluate(self, atoms: Atoms, *, forces: bool = True, stress: bool = True) -> Evaluation:
        """Energy, per-atom energies, forces (eV/Å) and stress (Voigt, eV/Å³, positive = tensile)."""
        types = self.types_of(atoms)
        n_atoms = len(atoms)
        nl = neighbor_list(atoms, self.max_dist)
        keep = nl.distances < self.max_dist
        ci, cj, vec, r = nl.i[keep], nl.j[keep], nl.vectors[keep], nl.distances[keep]
        u = vec / r[:, None]
        f, df = self._radial(r, types[ci], types[cj])                   # (n_pairs, n_funcs)
        mu, powers = self.alpha_index_basic[:, 0], self.alpha_index_basic[:, 1:]
        mono, dmono = _monomials(u, powers)                              # (n_basic, n_pairs), (n_basic, n_pairs, 3)
        to_center = csr_matrix((np.ones(len(ci)), (ci, np.arange(len(ci)))), shape=(n_atoms, len(ci)))
        moments = np.zeros((self.n_moments, n_atoms))
        moments[: len(mu)] = (to_center @ (f[:, mu] * mono.T)).T
        for a, b, m, k in self._levels:
            np.add.at(moments, k, m[:, None] * moments[a] * moments[b])
        energies = self.species_coeffs[types] + self.moment_coeffs @ moments[self.alpha_moment_mapping]
        ev = Evaluation(float(energies.sum()), energies)
        if not (forces or stress):
            return ev
        grad = np.zeros_like(moments)                                    # ∂E/∂M, (n_moments, n_atoms)
        np.add.at(grad, self.alpha_moment_mapping, self.moment_coeffs[:, None] * np.ones(n_atoms))
        for a, b, m, k in reversed(self._levels):
            gk = m[:, None] * grad[k]
            np.add.at(grad, a, gk * moments[b])
            np.add.at(grad, b, gk * moments[a])
        gb = grad[: len(mu)][:, ci]                                      # (n_basic, n_pairs)
        radial_part = np.einsum("bp,pb,bp->p", gb, df[:, mu], mono)      # Σ_b G_b f'_μb(r) P_b(û)
        angular = np.einsum("bp,pb,bpc->pc", gb, f[:, mu], dmono)        # Σ_b G_b f_μb(r) ∇_û P_b
        g = radial_part[:, None] * u + (angular - np.sum(angular * u, 1)[:, None] * u) / r[:, None]
        fo, virial = forces_virial(n_atoms, ci, cj, vec, g)
        ev.forces = fo if forces else None
        if stress and atoms.pbc.all():
            ev.stress = matrix_to_voigt(0.5 * (virial + virial.T) / atoms.get_volume())
        return ev

    def _radial(self, r, ti, tj):
        """f_μ(r) and f'_μ(r) of each pair, shape (n_pairs, n_funcs) each."""
        size = self.radial_coeffs.shape[-1]
        lo, hi = self.min_dist, self.max_dist
        x = (2.0 * r - lo - hi) / (hi - lo)
        dx = 2.0 / (hi - lo)
        t = np.zeros((size, len(r)))
        dt = np.zeros((size, len(r)))
        t[0] = 1.0
        if size > 1:
            t[1], dt[1] = x, 1.0
        for n in range(2, size):
            t[n] = 2.0 * x * t[n - 1] - t[n - 2]
            dt[n] = 2.0 * t[n - 1] + 2.0 * x * dt[n - 1] - dt[n - 2]
        env, denv = self.scaling * (r - hi) ** 2, self.scaling * 2.0 * (r - hi)
        q = t * env                                                       # (size, n_pairs)
        dq = dt * dx * env + t * denv
        c = self.radial_coeffs[ti, tj]                                    # (n_pairs, n_funcs, size)
        return np.einsum("pfn,np->pf", c, q), np.einsum("pfn,np->pf", c, dq)

    # ---- storage --------------------------------------------------------------------------------
    def to_dict(self) -> tuple[dict, dict[str, np.ndarray]]:
        spec = {"species": self.species, "min_dist": self.min_dist, "max_dist": self.max_dist,
                "scaling": self.scaling}
        return spec, {k: getattr(self, k) for k in _ARRAYS}

    @classmethod
    def from_dict(cls, spec: dict, arrays: dict[str, np.ndarray]) -> "MomentTensorPotential":
        return cls(spec["species"], spec["min_dist"], spec["max_dist"], spec["scaling"],
                   **{k: arrays[k] for k in _ARRAYS})


def _product_levels(times: np.ndarray, n_moments: int) -> list[tuple[np.ndarray, ...]]:
    """``alpha_index_times`` grouped into levels whose products only use moments of earlier levels:
    a list of (a, b, m, k) index arrays, evaluated in order (and reversed for the gradient)."""
    level = np.zeros(n_moments, dtype=np.int64)
    entry_level = np.zeros(len(times), dtype=np.int64)
    for e in np.argsort(times[:, 3], kind="stable"):
        a, b, _, k = times[e]
        entry_level[e] = 1 + max(level[a], level[b])
        level[k] = max(level[k], entry_level[e])
    out = []
    for lv in range(1, int(entry_level.max(initial=0)) + 1):
        rows = times[entry_level == lv]
        out.append((rows[:, 0], rows[:, 1], rows[:, 2].astype(float), rows[:, 3]))
    return out


def _monomials(u: np.ndarray, powers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """û_x^p û_y^q û_z^s of each (p, q, s) row and pair, (n_rows, n_pairs), and its gradient in û,
    (n_rows, n_pairs, 3)."""
    top = int(powers.max(initial=0)) + 1
    pw = np.ones((top, len(u), 3))
    for k in range(1, top):
        pw[k] = pw[k - 1] * u
    val = pw[powers[:, 0], :, 0] * pw[powers[:, 1], :, 1] * pw[powers[:, 2], :, 2]
    grad = np.zeros(val.shape + (3,))
    for c in range(3):
        p = powers[:, c]
        lower = pw[np.maximum(p - 1, 0), :, c]
        others = np.prod([pw[powers[:, d], :, d] for d in range(3) if d != c], axis=0)
        grad[..., c] = p[:, None] * lower * others
    return val, grad


def _parse_mtp(path: Path) -> dict:
    """Fields of an MLIP ``.mtp`` file: ``key = value`` lines (brace lists as JSON text), and
    ``radial_coeffs`` as {(type_a, type_b): [rows]}."""
    try:
        lines = path.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise PotentialFileError(f"{path}: cannot read ({err})") from err
    if not lines or lines[0].strip() != "MTP":
        raise PotentialFileError(f"{path}: not an MLIP .mtp file (first line is not 'MTP')")
    fields: dict = {}
    k = 1
    while k < len(lines):
        line = lines[k].strip()
        k += 1
        if line == "radial_coeffs":
            coeffs = {}
            while k < len(lines) and re.fullmatch(r"\d+-\d+", lines[k].strip()):
                a, b = (int(x) for x in lines[k].strip().split("-"))
                k += 1
                rows = []
                while k < len(lines) and lines[k].strip().startswith("{"):
                    rows.append(json.loads(lines[k].strip().replace("{", "[").replace("}", "]")))
                    k += 1
                coeffs[(a, b)] = rows
            fields["radial_coeffs"] = coeffs
        elif "=" in line:
            key, value = (s.strip() for s in line.split("=", 1))
            fields[key] = value.replace("{", "[").replace("}", "]")
    missing = [key for key in ("species_count", "min_dist", "max_dist", "radial_basis_size", "radial_funcs_count",
                               *_ARRAYS) if key not in fields]
    if missing:
        raise PotentialFileError(f"{path}: missing fields {missing}")
    return fields
