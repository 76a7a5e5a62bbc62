"""Spline-based modified embedded-atom potentials (s-MEAM), as LAMMPS ``pair_style meam/spline``.

E = Σ_{i<j} φ_{t_i t_j}(r_ij) + Σ_i [U_{t_i}(n_i) − U_{t_i}(0)],
n_i = Σ_j ρ_{t_j}(r_ij) + Σ_{j<k} f_{t_j}(r_ij) f_{t_k}(r_ik) g_{t_j t_k}(cos θ_jik)

(Lenosky et al., Modell. Simul. Mater. Sci. Eng. 8, 825 (2000); Vita & Trinkle, Comput. Mater.
Sci. 200, 110752 (2021), Eqs. 1–3). Every function is a :class:`~atomforge.models.spline.Spline`.
The variant picks which terms exist:

* ``"pair"``: φ only;
* ``"eam"``: φ, ρ, U;
* ``"ffg"``: φ, U, f, g (the embedding of the three-body density only);
* ``"smeam"``: all of them.

All pairs closer than the cutoff (the largest last knot of φ, ρ, f) are summed, with each spline
extrapolated linearly beyond its knots, as LAMMPS does.

Pair functions are symmetric here (φ_ab = φ_ba, g_ab = g_ba). LAMMPS indexes them with a formula
that is symmetric for one and two elements only, so for three or more elements LAMMPS picks other
φ/g blocks for pairs with the higher type first; the tests compare with LAMMPS for one and two.
"""

from __future__ import annotations

import numpy as np
from ase import Atoms

from ..errors import ConfigError
from ..neighbors import neighbor_list
from ..potential import Evaluation, Potential
from ._meam_spline_kernels import forces_virial, meam_energy_gradient
from .spline import Spline

#: variant → the functions it has.
VARIANTS = {"pair": ("phi",), "eam": ("phi", "rho", "U"), "ffg": ("phi", "U", "f", "g"),
            "smeam": ("phi", "rho", "U", "f", "g")}
PER_PAIR = ("phi", "g")


def n_pairs_of(n_species: int) -> int:
    return n_species * (n_species + 1) // 2


def pair_index(a: int, b: int, n: int) -> int:
    """Index of the pair function (φ, g) of elements ``a``, ``b`` (0-based, any order) among ``n``:
    pairs are ordered (0,0), (0,1), ..., (0,n-1), (1,1), ... over a <= b, as in LAMMPS files."""
    a, b = min(a, b), max(a, b)
    return b + a * n - a * (a + 1) // 2


class SplineMEAM(Potential):
    """A spline-MEAM potential for any number of elements.

    Parameters
    ----------
    species : list of str
    splines : dict
        ``{"phi": [...], "rho": [...], "U": [...], "f": [...], "g": [...]}`` holding the functions
        of ``variant``: φ and g per element pair in the order of
        :func:`pair_index`, ρ, U, f per element.
    variant : {"pair", "eam", "ffg", "smeam"}
    reference_energies : dict, optional
        Energy of each element's atom added to every atom's energy (eV; default 0), as fitted
        against DFT totals. LAMMPS ``meam/spline`` files cannot hold it: there, energies differ
        by this constant per atom (forces and stresses do not).
    """

    kind = "meam_spline"

    def __init__(self, species: list[str], splines: dict[str, list[Spline]], variant: str = "smeam",
                 reference_energies: dict[str, float] | None = None):
        if variant not in VARIANTS:
            raise ConfigError(f"SplineMEAM: unknown variant {variant!r}; known: {sorted(VARIANTS)}")
        self.species = list(species)
        self.variant = variant
        self.reference_energies = {e: float((reference_energies or {}).get(e, 0.0)) for e in self.species}
        n = len(self.species)
        self.splines = {}
        for name in VARIANTS[variant]:
            got = list(splines.get(name, []))
            want = n_pairs_of(n) if name in PER_PAIR else n
            if len(got) != want:
                raise ConfigError(f"SplineMEAM ({variant}): {name} needs {want} splines for "
                                  f"{n} element(s), got {len(got)}")
            self.splines[name] = got
        radial = [s for name in ("phi", "rho", "f") for s in self.splines.get(name, [])]
        self.cutoff = float(max(s.x[-1] for s in radial))
        self.comment = "# meam/spline potential written by atomforge"
        self.metadata: dict = {}  # JSON-safe notes saved with the potential (fit settings, errors)
        self.new_format = True  # LAMMPS file format it came from (old format: one element only)
        self._pack()

    @property
    def functions(self) -> tuple[str, ...]:
        return VARIANTS[self.variant]

    def _pack(self) -> None:
        n = len(self.species)
        flat, ids = [], {}
        for name in ("phi", "rho", "U", "f", "g"):
            if name not in self.splines:
                shape = (n, n) if name in PER_PAIR else (n,)
                ids[name] = -np.ones(shape, dtype=np.int64)
                continue
            base = len(flat)
            flat.extend(self.splines[name])
            if name in PER_PAIR:
                a, b = np.triu_indices(n)
                m = np.zeros((n, n), dtype=np.int64)
                m[a, b] = base + np.arange(len(a))
                m[b, a] = m[a, b]
                ids[name] = m
            else:
                ids[name] = base + np.arange(n, dtype=np.int64)
        k = max(s.n_knots for s in flat)
        knots = np.zeros((len(flat), k, 3))
        for q, s in enumerate(flat):
            knots[q, : s.n_knots] = np.column_stack([s.x, s.y, s.y2])
        ends = np.array([[s.d0, s.dn] for s in flat])
        n_knots = np.array([s.n_knots for s in flat], dtype=np.int64)
        u0 = np.zeros(n)
        if "U" in self.splines:
            u0 = np.array([float(s(0.0)) for s in self.splines["U"]])
        self._table = (knots, ends, n_knots, u0)
        self._ids = (ids["phi"], ids["rho"], ids["U"], ids["f"], ids["g"])

    def evaluate(self, atoms: Atoms, *, forces: bool = True, stress: bool = True) -> Evaluation:
        """Energy, per-atom energies, forces (eV/Å) and stress (Voigt, eV/Å³, positive = tensile)."""
        types = self.types_of(atoms)
        nl = neighbor_list(atoms, self.cutoff)
        off = nl.offsets(len(atoms))
        energies, grad = meam_energy_gradient(self._table, self._ids, types, off, nl.j,
                                              nl.vectors, nl.distances, self.cutoff)
        if any(self.reference_energies.values()):
            energies = energies + np.array([self.reference_energies[e] for e in self.species])[types]
        ev = Evaluation(float(energies.sum()), energies)
        if forces or stress:
            f, virial = forces_virial(len(atoms), nl.i, nl.j, nl.vectors, grad)
            ev.forces = f if forces else None
            if stress and atoms.pbc.all():
                v = 0.5 * (virial + virial.T) / atoms.get_volume()
                ev.stress = np.array([v[0, 0], v[1, 1], v[2, 2], v[1, 2], v[0, 2], v[0, 1]])
        return ev

    # ---- parameters -------------------------------------------------------------------------
    def theta(self) -> np.ndarray:
        """All spline parameters ``[y..., d0, dN]`` concatenated in the order of :meth:`blocks`."""
        return np.concatenate([s.theta for name in self.functions for s in self.splines[name]])

    def blocks(self) -> list[tuple[str, int, int, int]]:
        """(function, index, start, stop) of each spline's slice in :meth:`theta`."""
        out, start = [], 0
        for name in self.functions:
            for k, s in enumerate(self.splines[name]):
                out.append((name, k, start, start + s.n_knots + 2))
                start += s.n_knots + 2
        return out

    def with_theta(self, theta: np.ndarray) -> "SplineMEAM":
        """The same potential form with parameters ``theta`` (see :meth:`theta`)."""
        theta = np.asarray(theta, dtype=np.float64)
        splines = {name: list(v) for name, v in self.splines.items()}
        for name, k, a, b in self.blocks():
            splines[name][k] = splines[name][k].with_theta(theta[a:b])
        new = SplineMEAM(self.species, splines, self.variant, self.reference_energies)
        new.comment, new.new_format = self.comment, self.new_format
        return new

    # ---- files ----------------------------------------------------------------------------
    def to_dict(self) -> tuple[dict, dict[str, np.ndarray]]:
        spec = {"species": self.species, "variant": self.variant, "comment": self.comment,
                "new_format": self.new_format, "reference_energies": self.reference_energies,
                "metadata": self.metadata,
                "counts": {name: len(v) for name, v in self.splines.items()}}
        arrays = {}
        for name, v in self.splines.items():
            for k, s in enumerate(v):
                arrays[f"{name}_{k}_x"] = s.x
                arrays[f"{name}_{k}_y"] = s.y
                arrays[f"{name}_{k}_ends"] = np.array([s.d0, s.dn])
        return spec, arrays

    @classmethod
    def from_dict(cls, spec: dict, arrays: dict[str, np.ndarray]) -> "SplineMEAM":
        splines = {}
        for name, count in spec["counts"].items():
            splines[name] = [Spline(arrays[f"{name}_{k}_x"], arrays[f"{name}_{k}_y"],
                                    *arrays[f"{name}_{k}_ends"]) for k in range(count)]
        pot = cls(spec["species"], splines, spec["variant"], spec.get("reference_energies"))
        pot.comment = spec.get("comment", pot.comment)
        pot.new_format = spec.get("new_format", True)
        pot.metadata = dict(spec.get("metadata") or {})
        return pot
