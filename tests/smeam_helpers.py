"""Shared inputs of the spline-MEAM tests: potential files, a two-element potential, structures."""

from __future__ import annotations

import numpy as np
from ase.build import bulk

from atomforge.data import Frame
from atomforge.lammps.meam_spline import read_lammps_meam_spline
from atomforge.models.meam_spline import VARIANTS, SplineMEAM
from atomforge.models.spline import Spline
from atomforge.paths import data_dir

PUBLISHED = ["Ni", "Cu", "Li", "Mo", "Si", "Ge"]


def published_path(element: str) -> str:
    return str(data_dir() / "smeam_published" / element / f"{element}.meam.spline")


def two_element_potential(variant: str = "smeam") -> SplineMEAM:
    """A Ni–Cu potential built from the published Ni and Cu files, cross terms averaged."""
    ni = read_lammps_meam_spline(published_path("Ni"))
    cu = read_lammps_meam_spline(published_path("Cu"))

    def mix(a: Spline, b: Spline) -> Spline:
        x = np.linspace(max(a.x[0], b.x[0]), min(a.x[-1], b.x[-1]), 9)
        return Spline(x, 0.5 * (a(x) + b(x)), 0.5 * (a.d0 + b.d0), 0.5 * (a.dn + b.dn))

    sp = {k: ni.splines[k][0] for k in ni.splines}
    sc = {k: cu.splines[k][0] for k in cu.splines}
    # keep the steep ends of g away: g_NiCu gets moderate end slopes
    g_mix = mix(sp["g"], sc["g"])
    g_mix = Spline(g_mix.x, g_mix.y, 0.1, -2.0)
    splines = {"phi": [sp["phi"], mix(sp["phi"], sc["phi"]), sc["phi"]],
               "rho": [sp["rho"], sc["rho"]], "U": [sp["U"], sc["U"]],
               "f": [sp["f"], sc["f"]], "g": [sp["g"], g_mix, sc["g"]]}
    full = SplineMEAM(["Ni", "Cu"], splines, "smeam")
    if variant == "smeam":
        return full
    keep = {k: splines[k] for k in VARIANTS[variant]}
    return SplineMEAM(["Ni", "Cu"], keep, variant)


def structures(element: str, seed: int = 0):
    """Perturbed bulk, a slab with vacuum, and a sheared triclinic cell of ``element``."""
    rng = np.random.default_rng(seed)
    atoms = bulk(element, cubic=element != "Ti")
    reps = np.maximum(1, np.ceil(7.0 / atoms.cell.lengths()).astype(int))
    perturbed = atoms.repeat(reps)
    perturbed.positions += rng.normal(scale=0.08, size=perturbed.positions.shape)
    slab = atoms.repeat(reps)
    slab.center(vacuum=6.0, axis=2)
    slab.positions += rng.normal(scale=0.05, size=slab.positions.shape)
    tri = bulk(element).repeat((3, 3, 3))
    strain = np.eye(3) + rng.normal(scale=0.03, size=(3, 3))
    tri.set_cell(tri.cell.array @ strain, scale_atoms=True)
    tri.positions += rng.normal(scale=0.08, size=tri.positions.shape)
    return {"bulk": perturbed, "surface": slab, "triclinic": tri}


def alloy(atoms, species=("Ni", "Cu"), seed=0):
    """``atoms`` with elements drawn at random from ``species``."""
    rng = np.random.default_rng(seed)
    out = atoms.copy()
    out.set_chemical_symbols(rng.choice(list(species), size=len(out)))
    return out


def labelled_frames(truth, n, seed=0, offset=-5.0):
    """Rattled fcc Ni cells labelled by ``truth``, energies shifted by ``offset`` eV/atom."""
    rng = np.random.default_rng(seed)
    frames = []
    for k in range(n):
        atoms = bulk("Ni", cubic=True, a=3.52 * (0.99 + 0.01 * k)).repeat(2)
        atoms.positions += rng.normal(scale=0.08, size=atoms.positions.shape)
        ev = truth.evaluate(atoms)
        frames.append(Frame(atoms, ev.energy + offset * len(atoms), ev.forces, ev.stress,
                            group=f"g{k % 2}", weight=1.0 + k))
    return frames
