"""Starting structures for GRS: lattice supercells (Hermite-normal-form too), strained and rattled
lattice supercells of a given size, random occupations at a composition, random dense packings at a
density, and mixtures of these generators. All draws come from a NumPy Generator."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
from ase import Atoms
from ase.build import make_supercell, niggli_reduce
from ase.data import atomic_numbers, covalent_radii

from ..errors import ConfigError


def hnf_matrices(n: int) -> list[np.ndarray]:
    """All lower-triangular Hermite normal forms of determinant ``n`` (int, shape (3, 3)).

    [[a,0,0],[b,c,0],[d,e,f]] with a·c·f = n, 0 ≤ b < c, 0 ≤ d, e < f: one matrix per distinct
    superlattice of index n (before symmetry reduction).
    """
    if n < 1:
        raise ConfigError(f"HNF supercell size must be ≥ 1, got {n}")
    out = []
    for a in range(1, n + 1):
        if n % a:
            continue
        for c in range(1, n // a + 1):
            if (n // a) % c:
                continue
            f = n // (a * c)
            for b in range(c):
                for d in range(f):
                    for e in range(f):
                        out.append(np.array([[a, 0, 0], [b, c, 0], [d, e, f]]))
    return out


@lru_cache(maxsize=16)
def _hnf_cached(n: int) -> tuple[np.ndarray, ...]:
    return tuple(hnf_matrices(n))


def supercell(parent: Atoms, matrix) -> Atoms:
    """The supercell of ``parent`` whose cell vectors are the rows of ``matrix @ parent.cell``."""
    return make_supercell(parent, np.asarray(matrix), wrap=True)


def random_hnf_supercell(parent: Atoms, n_cells: int, rng: np.random.Generator) -> Atoms:
    """A supercell of ``n_cells`` parent cells, its HNF drawn uniformly."""
    mats = _hnf_cached(n_cells)
    return supercell(parent, mats[rng.integers(len(mats))])


def composition_counts(composition: dict, n_atoms: int) -> dict[str, int]:
    """Atom counts for ``composition`` (element → fraction or count) on ``n_atoms`` sites,
    rounded by largest remainders so they sum to ``n_atoms``."""
    unknown = [s for s in composition if s not in atomic_numbers]
    if unknown:
        raise ConfigError(f"GRS composition: unknown element(s) {unknown}")
    w = np.array([float(v) for v in composition.values()])
    if np.any(w < 0) or w.sum() <= 0:
        raise ConfigError(f"GRS composition must be non-negative and not all zero, got {composition}")
    exact = w / w.sum() * n_atoms
    counts = np.floor(exact).astype(int)
    for k in np.argsort(-(exact - counts), kind="stable")[: n_atoms - counts.sum()]:
        counts[k] += 1
    return dict(zip(composition, counts.tolist()))


def random_occupation(atoms: Atoms, composition: dict, rng: np.random.Generator) -> Atoms:
    """A copy of ``atoms`` with species drawn at random at exactly the rounded composition."""
    counts = composition_counts(composition, len(atoms))
    symbols = np.array([s for s, c in counts.items() for _ in range(c)])
    out = atoms.copy()
    out.set_chemical_symbols(symbols[rng.permutation(len(atoms))].tolist())
    return out


def random_packing(composition: dict, n_atoms: int, density: float, rng: np.random.Generator, *,
                   min_distance_scale: float = 0.75, max_tries: int = 200) -> Atoms:
    """Random dense packing: ``n_atoms`` atoms in a cube at ``density`` (atoms/Å³), periodic.

    Atoms are added one by one at random points at least ``min_distance_scale`` × (sum of
    covalent radii) from every atom placed (minimum image); the scale shrinks by 5 % whenever
    ``max_tries`` points in a row fail.
    """
    if density <= 0:
        raise ConfigError(f"GRS random packing needs a positive density (atoms/Å³), got {density}")
    counts = composition_counts(composition, n_atoms)
    symbols = [s for s, c in counts.items() for _ in range(c)]
    symbols = [symbols[k] for k in rng.permutation(n_atoms)]
    length = (n_atoms / density) ** (1.0 / 3.0)
    radii = covalent_radii[[atomic_numbers[s] for s in symbols]]
    pos = np.zeros((n_atoms, 3))
    scale, placed, fails = min_distance_scale, 0, 0
    while placed < n_atoms:
        trial = rng.random(3) * length
        d = pos[:placed] - trial
        d -= length * np.round(d / length)
        if placed == 0 or np.all(np.linalg.norm(d, axis=1) >= scale * (radii[:placed] + radii[placed])):
            pos[placed] = trial
            placed += 1
            fails = 0
        else:
            fails += 1
            if fails >= max_tries:
                scale *= 0.95
                fails = 0
    return Atoms(symbols, positions=pos, cell=np.eye(3) * length, pbc=True)


def random_strain(rng: np.random.Generator, *, volume: float = 0.03, shear: float = 0.03) -> np.ndarray:
    """A symmetric strain tensor (3, 3): ``e_v·I + e_s``, the volumetric (linear) part e_v uniform in
    [−volume, volume], each of the six independent components of e_s uniform in [−shear, shear]."""
    e = rng.uniform(-shear, shear, (3, 3)) if shear > 0 else np.zeros((3, 3))
    e = np.triu(e) + np.triu(e, 1).T
    return e + (rng.uniform(-volume, volume) if volume > 0 else 0.0) * np.eye(3)


def strained_supercell(parent: Atoms, n_atoms: int, rng: np.random.Generator, *, hnf: bool = True,
                       volume: float = 0.03, shear: float = 0.03, rattle: float = 0.05,
                       density: float | None = None) -> Atoms:
    """A supercell of ``parent`` with ``n_atoms`` atoms under a random homogeneous strain, rattled.

    ``hnf``: the supercell's Hermite normal form is drawn uniformly among all of its index
    (``n_atoms / len(parent)`` cells), the cell then Niggli-reduced; otherwise the cubic repeat k×k×k (that index must be a cube).
    The strain is :func:`random_strain` (cell and positions follow it, fractional coordinates kept);
    then every coordinate moves by a Gaussian of standard deviation ``rattle`` (Å). ``density``
    (atoms/Å³): the supercell is first scaled isotropically to it (else the parent's is kept).
    A perfect lattice (``rattle=0``) stays one under a relaxation of positions and cell: all its atoms
    are equivalent, so their forces vanish and only the cell moves.
    """
    if density is not None and density <= 0:
        raise ConfigError(f"GRS lattice candidate needs a positive density (atoms/Å³), got {density}")
    if n_atoms % len(parent):
        raise ConfigError(f"GRS lattice candidate: {n_atoms} atoms is not a whole number of "
                          f"{len(parent)}-atom parent cells")
    n_cells = n_atoms // len(parent)
    if hnf:
        cell = random_hnf_supercell(parent, n_cells, rng)
    else:
        k = round(n_cells ** (1.0 / 3.0))
        if k ** 3 != n_cells:
            raise ConfigError(f"GRS lattice candidate: {n_cells} parent cells is no cubic k×k×k repeat; use hnf")
        cell = supercell(parent, np.diag([k, k, k]))
    niggli_reduce(cell)  # the same crystal in a compact cell (HNF cells can be long and thin)
    if density is not None:
        cell.set_cell(cell.cell.array * (n_atoms / density / cell.get_volume()) ** (1.0 / 3.0), scale_atoms=True)
    return strain_and_rattle(cell, rng, volume=volume, shear=shear, rattle=rattle)


def strain_and_rattle(atoms: Atoms, rng: np.random.Generator, *, volume: float = 0.03, shear: float = 0.03,
                      rattle: float = 0.05) -> Atoms:
    """A copy of ``atoms`` under a :func:`random_strain` (fractional coordinates kept), every
    coordinate then moved by a Gaussian of standard deviation ``rattle`` (Å)."""
    out = atoms.copy()
    eps = random_strain(rng, volume=volume, shear=shear)
    out.set_cell(out.cell.array @ (np.eye(3) + eps), scale_atoms=True)
    if rattle > 0:
        out.positions = out.positions + rng.normal(0.0, rattle, out.positions.shape)
    out.wrap()
    return out


def mixture(generators: Sequence[tuple[str, float, Callable[[np.random.Generator], Atoms]]]
            ) -> Callable[[np.random.Generator], Atoms]:
    """A candidate maker that draws one of ``generators`` ((name, weight, maker) triples) ∝ weight
    for every call, then calls it; the structure's ``info["grs_generator"]`` names the one used."""
    if not generators:
        raise ConfigError("GRS candidate mixture: no generators")
    names = [g[0] for g in generators]
    w = np.array([float(g[1]) for g in generators])
    if np.any(w < 0) or w.sum() <= 0:
        raise ConfigError(f"GRS candidate mixture: weights must be non-negative and not all zero, got {w.tolist()}")
    p = w / w.sum()
    makers = [g[2] for g in generators]

    def make(rng: np.random.Generator) -> Atoms:
        k = int(rng.choice(len(makers), p=p))
        atoms = makers[k](rng)
        atoms.info["grs_generator"] = names[k]
        return atoms

    return make
