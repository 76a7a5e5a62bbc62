"""The property families of the suite: one function each, ``family(ctx) -> (section, summary)``.

A family reads the configuration, the calculator and what earlier families left in ``ctx.state``
(the relaxed lattice, the EOS), and returns its section of ``result.json`` and its headline
numbers for the summary. Every number is ``q(value, unit, ...)``. The families are registered,
with what they need and what they return, in :data:`atomforge.properties.suite.FAMILIES`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from ase import Atoms


def q(value, unit: str, **extra) -> dict:
    """A number with its unit (and, as keywords, the supercell or other context)."""
    v = value.tolist() if isinstance(value, np.ndarray) else value
    return {"value": v, "unit": unit, **extra}


@dataclass
class Context:
    """What a family works with.

    Attributes
    ----------
    cfg : ValidateConfig
    calc : ase Calculator
    state : dict (``lattice``: Lattice, ``eos``: (volumes, energies, BirchMurnaghan), ...)
    """

    cfg: object
    calc: object
    state: dict = field(default_factory=dict)

    @property
    def unit_cell(self) -> Atoms:
        """The relaxed conventional cell (needs the ``lattice`` family)."""
        return self.state["lattice"].atoms


#: Interstitial site (fraction of the conventional cell) used when none is given.
DEFAULT_SITES = {"fcc": (0.5, 0.0, 0.0), "bcc": (0.5, 0.5, 0.0), "diamond": (0.5, 0.5, 0.5), "sc": (0.5, 0.5, 0.5)}

#: Displacement (Å) of the interstitial from its site, along a direction of no symmetry. Started exactly on
#: the octahedral site, the atom feels no force and may stay on that saddle or leave it, depending on
#: round-off (Ta06A: 7.10 eV there, 5.15 eV after leaving it); displaced, every optimizer leaves it.
INTERSTITIAL_KICK = 0.05 * np.array([1.0, 2.0, 3.0]) / np.sqrt(14.0)

#: Below this |isolated-atom energy| (eV) a potential's energies count as referenced to free atoms.
FREE_ATOM_ZERO = 0.05


def isolated_atom_energy(element: str, calc, box: float = 25.0) -> float:
    """Energy (eV) of one atom alone in a periodic box of ``box`` Å (zero for EAM, Tersoff, SNAP without one-body)."""
    atom = Atoms(element, positions=[[box / 2] * 3], cell=[box] * 3, pbc=True)
    atom.calc = calc
    return float(atom.get_potential_energy())


def energy_reference(calc, e_atom: float, setting: str = "auto") -> tuple[bool, str]:
    """Whether E_atom − E_bulk of ``calc`` is a cohesive energy, and why.

    A potential fitted to total energies without isolated atoms in the data (raw DFT totals, EMT
    data whose crystal sits near zero) has an arbitrary energy zero: its isolated-atom energy is
    then a fitted constant (Ta06A SNAP: −8.37 eV; Zuo's Mo SNAP: −5.35 eV) and the difference means
    nothing. ``setting`` ``"isolated_atoms"`` or ``"unreferenced"`` overrides the guess; ``"auto"``
    trusts ASE's EMT (the free-atom energy is one of its parameters), a potential whose
    ``metadata["energy_reference"]`` is ``"isolated_atoms"``, and any potential whose isolated atom has
    |E| < :data:`FREE_ATOM_ZERO` eV.
    """
    if setting == "isolated_atoms":
        return True, "energies referenced to isolated atoms (as configured)"
    if setting == "unreferenced":
        return False, "energies not referenced to isolated atoms (as configured)"
    if type(calc).__name__ == "EMT":
        return True, "EMT: the free-atom energy is a parameter of the model"
    meta = getattr(getattr(calc, "potential", None), "metadata", None) or {}
    if meta.get("energy_reference") == "isolated_atoms":
        return True, "the potential's metadata says its energies are referenced to isolated atoms"
    if abs(e_atom) < FREE_ATOM_ZERO:
        return True, f"the isolated atom has energy {e_atom:.3g} eV (free atoms are the zero)"
    return False, (f"the isolated atom has energy {e_atom:.4g} eV, not zero: the potential's energy zero is not the "
                   "free atom (as when it is fitted to raw DFT totals or to EMT data without isolated atoms), so "
                   "E_atom − E_bulk is not a cohesive energy (if its training data held isolated atoms, set "
                   "energy_reference: isolated_atoms)")


def lattice(ctx: Context):
    from . import polymorphs

    cfg = ctx.cfg
    lat = polymorphs.relaxed(cfg.element, cfg.structure, ctx.calc)
    ctx.state["lattice"] = lat
    e_atom = isolated_atom_energy(cfg.element, ctx.calc)
    ok, why = energy_reference(ctx.calc, e_atom, cfg.energy_reference)
    e_coh = q(e_atom - lat.energy_per_atom, "eV/atom", meaningful=ok, note=why)
    sec = {"a": q(lat.a, "Å"), "energy_per_atom": q(lat.energy_per_atom, "eV/atom"),
           "isolated_atom_energy": q(e_atom, "eV"), "cohesive_energy": e_coh,
           "volume_per_atom": q(lat.volume_per_atom, "Å^3/atom"), "n_atoms": len(lat.atoms)}
    summ = {"a": q(lat.a, "Å"), "E_coh": e_coh}
    if lat.c is not None:
        sec["c"] = summ["c"] = q(lat.c, "Å")
    return sec, summ


def eos(ctx: Context):
    from . import eos as _eos

    cfg, unit = ctx.cfg, ctx.unit_cell
    v, e = _eos.energy_volume(unit, ctx.calc, strain=cfg.eos_strain, n_points=cfg.eos_points,
                              relax_ions=cfg.structure not in ("fcc", "bcc", "sc"))
    bm = _eos.fit_birch_murnaghan(v, e)
    ctx.state["eos"] = (v, e, bm)
    sec = {"volumes": q(v, "Å^3/atom"), "energies": q(e, "eV/atom"), "V0": q(bm.v0, "Å^3/atom"),
           "E0": q(bm.e0, "eV/atom"), "B": q(bm.b_gpa, "GPa"), "Bp": q(bm.bp, "1"),
           "fit": "third-order Birch-Murnaghan", "n_atoms": len(unit)}
    return sec, {"V0": q(bm.v0, "Å^3/atom"), "B": q(bm.b_gpa, "GPa"), "Bp": q(bm.bp, "1")}


def elastic(ctx: Context):
    from . import elastic as _elastic
    from .lattice import CUBIC

    unit = ctx.unit_cell
    res = _elastic.elastic_constants(unit, ctx.calc, strain=ctx.cfg.elastic_strain)
    sec = {"C": q(res.c, "GPa"), "strain": q(res.strain, "1"), "n_atoms": len(unit)}
    summ = {}
    if ctx.cfg.structure in CUBIC:
        for k, v in res.cubic.items():
            sec[k] = summ[k] = q(v, "GPa")
    for k, v in res.averages().items():
        sec[k] = q(v, "1" if k == "poisson" else "GPa")
    summ.update({"B_hill": sec["B_hill"], "G_hill": sec["G_hill"], "poisson": sec["poisson"]})
    return sec, summ


def _series_section(series, key: str, unit: str = "eV"):
    """The ``convergence`` list, the reported value (largest cell) with its verdict, and the summary item."""
    rows = [q(p.value, unit, supercell=[p.n] * 3, n_atoms=p.n_atoms) for p in series.points]
    last = series.points[-1]
    item = q(series.value, unit, supercell=[last.n] * 3, n_atoms=last.n_atoms, converged=series.converged,
             tolerance=series.tolerance, difference=series.difference, error_estimate=series.error_estimate,
             note=series.note)
    sec = {"convergence": rows, key: item, "extrapolated": q(series.extrapolated, unit, law="E = E_inf + c/N")}
    return sec, {key: q(series.value, unit, converged=series.converged)}


def _defect_series(ctx: Context, compute, sizes, max_atoms):
    from .convergence import converge_supercell

    cfg = ctx.cfg
    return converge_supercell(compute, len(ctx.unit_cell), tolerance=cfg.defect_tolerance, max_atoms=max_atoms,
                              sizes=sizes)


def vacancy(ctx: Context):
    from .defects import vacancy_formation

    def compute(n):
        r = vacancy_formation(ctx.unit_cell, ctx.calc, (n,) * 3)
        return r.energy, r

    series = _defect_series(ctx, compute, ctx.cfg.vacancy_supercells, ctx.cfg.defect_max_atoms)
    ctx.state["vacancy_n"] = series.points[-1].n
    return _series_section(series, "Evf")


def migration(ctx: Context):
    from .defects import vacancy_migration

    cfg = ctx.cfg

    def compute(n):
        r = vacancy_migration(ctx.unit_cell, ctx.calc, (n,) * 3, n_images=cfg.neb_images)
        return r.barrier, r

    series = _defect_series(ctx, compute, cfg.neb_supercells, cfg.neb_max_atoms)
    r = series.points[-1].result
    sec, summ = _series_section(series, "Evm")
    sec.update({"path_energies": q(r.path_energies, "eV"), "method": "climbing-image NEB (ASE)",
                "intermediate_minimum": q(r.intermediate_minimum, "eV")})
    return sec, summ


def interstitial(ctx: Context):
    from .defects import interstitial_formation

    cfg, unit = ctx.cfg, ctx.unit_cell
    frac = np.asarray(cfg.interstitial_site or DEFAULT_SITES[cfg.structure])

    def compute(n):
        site = (frac + n // 2) @ unit.cell.array + INTERSTITIAL_KICK  # near the middle of the supercell
        r = interstitial_formation(unit, ctx.calc, site, (n,) * 3)
        return r.energy, r

    series = _defect_series(ctx, compute, cfg.interstitial_supercells, cfg.defect_max_atoms)
    sec, summ = _series_section(series, "Eif")
    sec["site_fractional"] = [float(x) for x in frac]
    sec["start_displacement"] = q(INTERSTITIAL_KICK, "Å")
    return sec, summ


def surfaces(ctx: Context):
    from . import surfaces as _surfaces

    cfg, lat = ctx.cfg, ctx.state["lattice"]
    sec, summ, vals = {}, {}, []
    for m in cfg.surfaces:
        rows = _surfaces.surface_convergence(lat.atoms, ctx.calc, m, lat.energy_per_atom, layers=cfg.surface_layers)
        key = "".join(str(i) for i in m)
        sec[key] = {"convergence": [q(r.energy / 1000, "J/m^2", layers=r.layers, n_atoms=r.n_atoms,
                                      unrelaxed=r.unrelaxed / 1000) for r in rows]}
        sec[key]["energy"] = sec[key]["convergence"][-1]
        summ[f"gamma_{key}"] = q(rows[-1].energy / 1000, "J/m^2")
        vals.append(rows[-1].energy / 1000)
    summ["gamma_surf"] = q(float(np.mean(vals)), "J/m^2")
    return sec, summ


def stacking_faults(ctx: Context):
    from .stacking_faults import SLIP_SYSTEMS, gamma_line

    cfg, lat = ctx.cfg, ctx.state["lattice"]
    sec, summ = {}, {}
    for (st, s), spec in SLIP_SYSTEMS.items():
        if st != cfg.structure:
            continue
        g = gamma_line(cfg.element, st, lat.a, ctx.calc, s, n_points=cfg.gamma_points, max_fraction=spec.max_fraction)
        sec[s] = {"displacement": q(g.displacement, "Å"), "energy": q(g.energy, "mJ/m^2"),
                  "refined_displacement": q(g.refined_displacement, "Å"), "refined_energy": q(g.refined_energy, "mJ/m^2"),
                  "unstable": q(g.unstable, "mJ/m^2", displacement=g.unstable_displacement,
                                method="maximum of the relaxed γ-line (bounded Brent search around the largest sample)"),
                  "n_atoms": g.n_atoms, "area": q(g.area, "Å^2")}
        if st == "fcc":
            sec[s]["intrinsic"] = summ["isf"] = q(float(g.energy[-1]), "mJ/m^2")
            summ["usf"] = q(g.unstable, "mJ/m^2")
        else:
            summ[f"usf_{s}"] = q(g.unstable, "mJ/m^2")
    return sec, summ


def polymorphs(ctx: Context):
    from . import polymorphs as _polymorphs

    cfg = ctx.cfg
    rows = _polymorphs.polymorph_energies(cfg.element, cfg.structure, ctx.calc, structures=cfg.polymorphs)
    sec = {r.structure: {"delta": q(r.delta, "meV/atom"), "a": q(r.a, "Å"),
                         **({"c": q(r.c, "Å")} if r.c is not None else {})} for r in rows}
    return sec, {f"dE_{r.structure}": q(r.delta, "meV/atom") for r in rows if r.structure != cfg.structure}


def phonons(ctx: Context):
    from . import phonons as _phonons

    k = ctx.cfg.phonon_supercell
    r = _phonons.phonons(ctx.unit_cell, ctx.calc, (k, k, k))
    sec = {"distances": q(r.distances, "1/Å"), "frequencies": q(r.frequencies, "THz"),
           "labels": [[x, s] for x, s in r.labels], "dos_frequencies": q(r.dos_frequencies, "THz"),
           "dos": q(r.dos, "states/THz"), "min_frequency": q(r.min_frequency, "THz"),
           "supercell": f"{k}x{k}x{k} of the primitive cell"}
    return sec, {"max_phonon_frequency": q(float(r.frequencies.max()), "THz")}


def cost(ctx: Context):
    """ASE timing always; native LAMMPS timing when pair lines are given and LAMMPS imports (else skipped, with why)."""
    from . import cost as _cost

    cfg, unit = ctx.cfg, ctx.unit_cell
    r = _cost.cost_ase(unit, ctx.calc, n_target=cfg.cost_atoms)
    sec = {"ase": q(r.us_per_atom_step, "µs/(atom·step)", supercell=list(r.supercell), n_atoms=r.n_atoms)}
    summ = {"cost_ase": sec["ase"]}
    if cfg.lammps_pair:
        try:
            rl = _cost.cost_lammps(unit, cfg.lammps_pair, [cfg.element], n_target=cfg.cost_atoms)
        except (ImportError, OSError) as err:
            sec["lammps"] = {"skipped": f"{type(err).__name__}: {err}"}
        else:
            sec["lammps"] = q(rl.us_per_atom_step, "µs/(atom·step)", supercell=list(rl.supercell), n_atoms=rl.n_atoms)
            summ["cost_lammps"] = sec["lammps"]
    return sec, summ


def md(ctx: Context):
    from .md_stability import md_stability

    cfg = ctx.cfg
    k = cfg.md_supercell
    r = md_stability(ctx.unit_cell, ctx.calc, supercell=(k, k, k), temperature=cfg.md_temperature,
                     time_nvt=cfg.md_time, time_nve=cfg.md_time / 2)
    d = asdict(r)
    sec = {"temperature": q(d["temperature"], "K"), "mean_temperature": q(d["mean_temperature"], "K"),
           "min_distance": q(d["min_distance"], "Å"), "too_close": d["too_close"],
           "nve_drift": q(d["drift"], "meV/atom/ps"), "time_nvt": q(d["time_nvt"], "ps"),
           "time_nve": q(d["time_nve"], "ps"), "n_atoms": r.n_atoms, "supercell": list(r.supercell)}
    return sec, {"md_drift": sec["nve_drift"]}
