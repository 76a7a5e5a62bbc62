"""Slabs from ``make_slab`` against ASE's own surface builders, with EMT.

The excess energy E_slab − N e_bulk of an unrelaxed slab depends only on which planes it holds
and how they are stacked, so scaled to a common area it must equal that of the slab of the same
number of planes built by ``ase.build.fcc111`` etc., for every thickness, including those that
are not multiples of the stacking period (fcc (111): 3 planes; bcc (111): 3 planes).
"""

from __future__ import annotations

import numpy as np
import pytest
from ase.build import bcc100, bcc110, bcc111, bulk, fcc100, fcc110, fcc111
from ase.calculators.emt import EMT
from ase.neighborlist import neighbor_list

from atomforge.properties.surfaces import make_slab

A_FCC = 3.5898  # Cu, EMT equilibrium
A_BCC = 2.85  # bcc Cu, about the fcc volume per atom

# (structure, miller, ASE builder, planes per layer of the conventional cubic cell)
FACES = [
    ("fcc", (1, 0, 0), fcc100, 2),
    ("fcc", (1, 1, 0), fcc110, 2),
    ("fcc", (1, 1, 1), fcc111, 1),
    ("bcc", (1, 0, 0), bcc100, 2),
    ("bcc", (1, 1, 0), bcc110, 1),
    ("bcc", (1, 1, 1), bcc111, 2),
]


def excess_per_area(atoms, e_bulk):
    """(E − N e_bulk) / A in eV/Å² with EMT, and the largest force component (eV/Å)."""
    atoms = atoms.copy()
    atoms.calc = EMT()
    area = np.linalg.norm(np.cross(atoms.cell[0], atoms.cell[1]))
    return (atoms.get_potential_energy() - len(atoms) * e_bulk) / area, np.abs(atoms.get_forces()).max(), area


@pytest.mark.parametrize("layers", [2, 3, 4, 5])
@pytest.mark.parametrize("structure,miller,builder,planes", FACES, ids=lambda v: getattr(v, "__name__", None))
def test_make_slab_matches_ase_builder(structure, miller, builder, planes, layers):
    a = A_FCC if structure == "fcc" else A_BCC
    unit = bulk("Cu", structure, a=a, cubic=True)
    unit.calc = EMT()
    e_bulk = unit.get_potential_energy() / len(unit)
    ours = make_slab(unit, miller, layers)
    ref = builder("Cu", (1, 1, planes * layers), a=a, vacuum=10.0)
    assert len(ours) == layers * len(unit)
    g, f, area = excess_per_area(ours, e_bulk)
    g_ref, f_ref, _ = excess_per_area(ref, e_bulk)
    assert g_ref > 0
    assert abs(g - g_ref) * area < 1e-8
    assert abs(f - f_ref) < 1e-8


@pytest.mark.parametrize("layers", [2, 4, 5, 6])
def test_diamond_111_slab_is_cut_at_the_shuffle_plane_for_any_thickness(layers):
    """Every surface atom keeps 3 of its 4 bonds (glide-plane cut: 1) and the interior is bulk."""
    a = 5.431
    slab = make_slab(bulk("Si", "diamond", a=a, cubic=True), (1, 1, 1), layers)
    assert len(slab) == 8 * layers
    i = neighbor_list("i", slab, 1.1 * a * np.sqrt(3) / 4)
    count = np.bincount(i, minlength=len(slab))
    z = slab.positions[:, 2]
    surface_atoms = np.isclose(z, z.max(), atol=0.05) | np.isclose(z, z.min(), atol=0.05)
    assert np.all(count[surface_atoms] == 3)
    assert np.all(count[~surface_atoms] == 4)
