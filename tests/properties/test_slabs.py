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


def stacked_fcc111(a, sequence, repeat=2):
    """Orthogonal periodic cell of close-packed (111) planes stacked as ``sequence`` ("ABCAB...")."""
    from ase import Atoms

    s = a / np.sqrt(2)  # nearest-neighbour distance
    a1, a2 = np.array([s, 0, 0]), np.array([s / 2, s * np.sqrt(3) / 2, 0])
    d = a / np.sqrt(3)
    shift = {"A": 0.0, "B": 1 / 3, "C": 2 / 3}
    pos = [shift[p] * (a1 + a2) + (k * d) * np.array([0, 0, 1]) for k, p in enumerate(sequence)]
    atoms = Atoms("Cu" * len(pos), positions=pos, cell=[a1, a2, [0, 0, len(pos) * d]], pbc=True)
    return atoms.repeat((repeat, repeat, 1))


@pytest.mark.parametrize("n_periods", [3, 4])
def test_gamma_line_intrinsic_fault_matches_stacking_with_a_missing_plane(n_periods):
    """Unrelaxed γ_isf from the tilted cell equals that of ABC…AB|AB… (one plane removed)."""
    from atomforge.properties.stacking_faults import gamma_line
    from atomforge.units import EV_A2_TO_MJ_M2

    unit = bulk("Cu", "fcc", a=A_FCC, cubic=True)
    unit.calc = EMT()
    e_bulk = unit.get_potential_energy() / len(unit)
    line = gamma_line("Cu", "fcc", A_FCC, EMT(), "111_112", n_points=2, n_periods=n_periods, relax=False)
    faulted = stacked_fcc111(A_FCC, "ABC" * n_periods + "AB")
    g, _, _ = excess_per_area(faulted, e_bulk)
    assert abs(g * EV_A2_TO_MJ_M2) > 1.0  # EMT Cu: γ_isf ≈ −5.4 mJ/m²
    assert line.energy[-1] == pytest.approx(g * EV_A2_TO_MJ_M2, abs=1e-6)
    perfect, _, _ = excess_per_area(stacked_fcc111(A_FCC, "ABC" * n_periods), e_bulk)
    assert abs(perfect) < 1e-12


@pytest.mark.parametrize("structure,system,periods", [("fcc", "111_112", 3), ("bcc", "110_111", 1),
                                                      ("bcc", "112_111", 1)])
def test_gamma_line_is_zero_after_a_lattice_translation(structure, system, periods):
    """Shearing by a full lattice vector of the slip plane restores the perfect crystal (fcc: 3 partials)."""
    from atomforge.properties.stacking_faults import gamma_line

    a = A_FCC if structure == "fcc" else A_BCC
    line = gamma_line("Cu", structure, a, EMT(), system, n_points=3, max_fraction=periods, relax=False)
    assert abs(line.energy[-1]) < 1e-6
    assert line.energy[1] > 1.0
