"""Starting structures for GRS: lattice supercells (Hermite-normal-form too), random occupations
at a composition, random dense packings at a density. All draws come from a NumPy Generator."""

from __future__ import annotations

import numpy as np
from ase import Atoms
from ase.build import make_supercell
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


def supercell(parent: Atoms, matrix) -> Atoms:
    """The supercell of ``parent`` whose cell vectors are the rows of ``matrix @ parent.cell``."""
    return make_supercell(parent, np.asarray(matrix), wrap=True)


def random_hnf_supercell(parent: Atoms, n_cells: int, rng: np.random.Generator) -> Atoms:
    """A supercell of ``n_cells`` parent cells, its HNF drawn uniformly."""
    mats = hnf_matrices(n_cells)
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
