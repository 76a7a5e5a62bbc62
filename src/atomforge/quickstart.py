"""The built-in example: a small Cu data set labelled with ASE's EMT calculator."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from ase.build import bulk
from ase.calculators.emt import EMT

from .data import Dataset, Frame
from .neighbors import neighbor_list


def run_quickstart(out: Path) -> None:
    """Build a few EMT-labelled Cu frames and report their neighbor statistics."""
    rng = np.random.default_rng(0)
    frames = []
    for k in range(8):
        atoms = bulk("Cu", "fcc", a=3.61, cubic=True) * (2, 2, 2)
        atoms.positions += rng.normal(0.0, 0.05, atoms.positions.shape)
        atoms.calc = EMT()
        frames.append(Frame(atoms, atoms.get_potential_energy(), atoms.get_forces(),
                            atoms.get_stress(), group="perturbed", source=f"quickstart:{k}"))
    data = Dataset(frames, "quickstart Cu/EMT")
    print(data)
    n_neighbors = [neighbor_list(f.atoms, 4.7).n_pairs / f.n_atoms for f in data]
    print(f"mean neighbors within 4.7 Å: {np.mean(n_neighbors):.2f}")
    Path(out).mkdir(parents=True, exist_ok=True)
