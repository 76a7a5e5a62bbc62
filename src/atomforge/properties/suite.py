"""Run the property suite for one element and structure with any ASE calculator.

:func:`run_suite` computes the chosen properties in order, shows progress with rich, and returns
one JSON-safe document: every number is ``{"value": ..., "unit": ..., "supercell": ...}``; the
``summary`` holds the headline numbers under the keys of
:mod:`atomforge.properties.reference_data`, and ``reference`` the values compared against.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import numpy as np
from ase import Atoms

from ..errors import ConfigError, ConvergenceError

#: Property families in the order they run.
PROPERTIES = ("lattice", "eos", "elastic", "vacancy", "migration", "interstitial", "surfaces",
              "stacking_faults", "polymorphs", "phonons", "cost", "md")

#: Interstitial site (fraction of the conventional cell) used when none is given.
DEFAULT_SITES = {"fcc": (0.5, 0.0, 0.0), "bcc": (0.5, 0.5, 0.0), "diamond": (0.5, 0.5, 0.5), "sc": (0.5, 0.5, 0.5)}


@dataclass
class ValidateConfig:
    """What to compute and at what size.

    Attributes
    ----------
    element : str
    structure : str (one of fcc, bcc, hcp, diamond, sc, or a structure file ASE reads)
    properties : list of str (subset of :data:`PROPERTIES`; default all that apply)
    eos_strain : float (± volume fraction), eos_points : int
    elastic_strain : float
    vacancy_supercells : list of int (n×n×n conventional cells; the last is reported)
    neb_supercell : int, neb_images : int
    interstitial_site : tuple of 3 floats (fraction of the conventional cell)
    surfaces : list of Miller indices; surface_layers : list of int (convergence; last reported)
    gamma_points : int
    polymorphs : list of str
    phonon_supercell : int
    cost_atoms : int
    md_temperature : float, K; md_time : float, ps (NVT, then half as long NVE); md_supercell : int
    lammps_pair : list of str or None (pair_style/pair_coeff lines for the native LAMMPS cost)
    """

    element: str
    structure: str
    properties: list[str] = field(default_factory=lambda: list(PROPERTIES))
    eos_strain: float = 0.06
    eos_points: int = 11
    elastic_strain: float = 0.005
    vacancy_supercells: list[int] = field(default_factory=lambda: [2, 3, 4])
    neb_supercell: int = 3
    neb_images: int = 5
    interstitial_site: tuple | None = None
    surfaces: list[tuple] = field(default_factory=lambda: [(1, 0, 0), (1, 1, 0), (1, 1, 1)])
    surface_layers: list[int] = field(default_factory=lambda: [4, 6, 8])
    gamma_points: int = 11
    polymorphs: list[str] = field(default_factory=lambda: ["fcc", "bcc", "hcp", "diamond"])
    phonon_supercell: int = 4
    cost_atoms: int = 2000
    md_temperature: float = 300.0
    md_time: float = 1.0
    md_supercell: int = 3
    lammps_pair: list[str] | None = None

    @classmethod
    def from_dict(cls, spec: dict, *, source: str = "ValidateConfig") -> "ValidateConfig":
        """Build from a mapping; an unknown key is a ConfigError naming the nearest field."""
        import difflib
        from dataclasses import fields

        names = [f.name for f in fields(cls)]
        for key in spec:
            if key not in names:
                near = difflib.get_close_matches(key, names, n=1)
                hint = f"; did you mean {near[0]!r}?" if near else f"; known: {names}"
                raise ConfigError(f"{source}: unknown key {key!r}{hint}")
        return cls(**spec)

    def __post_init__(self):
        unknown = set(self.properties) - set(PROPERTIES)
        if unknown:
            raise ConfigError(f"ValidateConfig.properties: unknown {sorted(unknown)}; known: {list(PROPERTIES)}")

    def applicable(self) -> list[str]:
        """The chosen properties that exist for this structure."""
        skip = set()
        if self.structure not in ("fcc", "bcc", "diamond", "sc"):
            skip |= {"surfaces", "interstitial", "migration"}
        if self.structure not in ("fcc", "bcc"):
            skip.add("stacking_faults")
        return [p for p in PROPERTIES if p in self.properties and p not in skip]


def q(value, unit: str, **extra) -> dict:
    """A number with its unit (and, as keywords, the supercell or other context)."""
    v = value.tolist() if isinstance(value, np.ndarray) else value
    return {"value": v, "unit": unit, **extra}


def isolated_atom_energy(element: str, calc, box: float = 25.0) -> float:
    """Energy (eV) of one atom alone in a periodic box of ``box`` Å (zero for EAM, Tersoff, SNAP without one-body)."""
    atom = Atoms(element, positions=[[box / 2] * 3], cell=[box] * 3, pbc=True)
    atom.calc = calc
    return float(atom.get_potential_energy())


def _family(name: str, cfg: ValidateConfig, calc, state: dict) -> tuple[dict, dict]:
    """Compute one family; returns (document section, summary entries)."""
    from . import defects, elastic, eos, lattice, phonons, polymorphs, stacking_faults, surfaces

    el, st = cfg.element, cfg.structure
    lat = state.get("lattice")
    unit_cell = lat.atoms if lat is not None else None
    if name == "lattice":
        lat = polymorphs.relaxed(el, st, calc)
        state["lattice"] = lat
        e_atom = isolated_atom_energy(el, calc)
        sec = {"a": q(lat.a, "Å"), "energy_per_atom": q(lat.energy_per_atom, "eV/atom"),
               "isolated_atom_energy": q(e_atom, "eV"), "cohesive_energy": q(e_atom - lat.energy_per_atom, "eV/atom"),
               "volume_per_atom": q(lat.volume_per_atom, "Å^3/atom"), "n_atoms": len(lat.atoms)}
        summ = {"a": q(lat.a, "Å"), "E_coh": q(e_atom - lat.energy_per_atom, "eV/atom")}
        if lat.c is not None:
            sec["c"] = q(lat.c, "Å")
            summ["c"] = q(lat.c, "Å")
        return sec, summ
    if name == "eos":
        v, e = eos.energy_volume(unit_cell, calc, strain=cfg.eos_strain, n_points=cfg.eos_points,
                                 relax_ions=st not in ("fcc", "bcc", "sc"))
        bm = eos.fit_birch_murnaghan(v, e)
        state["eos"] = (v, e, bm)
        sec = {"volumes": q(v, "Å^3/atom"), "energies": q(e, "eV/atom"), "V0": q(bm.v0, "Å^3/atom"),
               "E0": q(bm.e0, "eV/atom"), "B": q(bm.b_gpa, "GPa"), "Bp": q(bm.bp, "1"),
               "fit": "third-order Birch-Murnaghan", "n_atoms": len(unit_cell)}
        return sec, {"V0": q(bm.v0, "Å^3/atom"), "B": q(bm.b_gpa, "GPa"), "Bp": q(bm.bp, "1")}
    if name == "elastic":
        res = elastic.elastic_constants(unit_cell, calc, strain=cfg.elastic_strain)
        sec = {"C": q(res.c, "GPa"), "strain": q(res.strain, "1"), "n_atoms": len(unit_cell)}
        summ = {}
        if st in lattice.CUBIC:
            for k, v in res.cubic.items():
                sec[k] = q(v, "GPa")
                summ[k] = q(v, "GPa")
        for k, v in res.averages().items():
            sec[k] = q(v, "1" if k == "poisson" else "GPa")
        summ.update({"B_hill": sec["B_hill"], "G_hill": sec["G_hill"], "poisson": sec["poisson"]})
        return sec, summ
    if name == "vacancy":
        rows = [defects.vacancy_formation(unit_cell, calc, (n,) * 3) for n in cfg.vacancy_supercells]
        sec = {"convergence": [q(r.energy, "eV", supercell=list(r.supercell), n_atoms=r.n_atoms) for r in rows]}
        sec["Evf"] = sec["convergence"][-1]
        return sec, {"Evf": q(rows[-1].energy, "eV")}
    if name == "migration":
        r = defects.vacancy_migration(unit_cell, calc, (cfg.neb_supercell,) * 3, n_images=cfg.neb_images)
        sec = {"Evm": q(r.barrier, "eV", supercell=list(r.supercell), n_atoms=r.n_atoms),
               "path_energies": q(r.path_energies, "eV"), "method": "climbing-image NEB (ASE)",
               "intermediate_minimum": q(r.intermediate_minimum, "eV")}
        return sec, {"Evm": q(r.barrier, "eV")}
    if name == "interstitial":
        site = np.asarray(cfg.interstitial_site or DEFAULT_SITES[st]) + 1.0  # inside the second cell
        n = max(cfg.vacancy_supercells[-1], 3)
        r = defects.interstitial_formation(unit_cell, calc, site @ unit_cell.cell.array, (n,) * 3)
        sec = {"Eif": q(r.energy, "eV", supercell=list(r.supercell), n_atoms=r.n_atoms),
               "site_fractional": list(map(float, site - 1.0))}
        return sec, {"Eif": q(r.energy, "eV")}
    if name == "surfaces":
        sec, summ, vals = {}, {}, []
        for m in cfg.surfaces:
            rows = surfaces.surface_convergence(unit_cell, calc, m, lat.energy_per_atom, layers=cfg.surface_layers)
            key = "".join(str(i) for i in m)
            sec[key] = {"convergence": [q(r.energy / 1000, "J/m^2", layers=r.layers, n_atoms=r.n_atoms,
                                          unrelaxed=r.unrelaxed / 1000) for r in rows]}
            sec[key]["energy"] = sec[key]["convergence"][-1]
            summ[f"gamma_{key}"] = q(rows[-1].energy / 1000, "J/m^2")
            vals.append(rows[-1].energy / 1000)
        summ["gamma_surf"] = q(float(np.mean(vals)), "J/m^2")
        return sec, summ
    if name == "stacking_faults":
        systems = ["111_112"] if st == "fcc" else ["110_111", "112_111"]
        sec, summ = {}, {}
        for s in systems:
            g = stacking_faults.gamma_line(el, st, lat.a, calc, s, n_points=cfg.gamma_points,
                                           max_fraction=1.0 if st == "fcc" else 0.5)
            state.setdefault("gamma", []).append(g)
            sec[s] = {"displacement": q(g.displacement, "Å"), "energy": q(g.energy, "mJ/m^2"),
                      "unstable": q(g.unstable, "mJ/m^2"), "n_atoms": g.n_atoms, "area": q(g.area, "Å^2")}
            if st == "fcc":
                sec[s]["intrinsic"] = q(float(g.energy[-1]), "mJ/m^2")
                summ["isf"] = q(float(g.energy[-1]), "mJ/m^2")
                summ["usf"] = q(g.unstable, "mJ/m^2")
            else:
                summ[f"usf_{s}"] = q(float(g.energy.max()), "mJ/m^2")
        return sec, summ
    if name == "polymorphs":
        rows = polymorphs.polymorph_energies(el, st, calc, structures=cfg.polymorphs)
        sec = {r.structure: {"delta": q(r.delta, "meV/atom"), "a": q(r.a, "Å"),
                             **({"c": q(r.c, "Å")} if r.c is not None else {})} for r in rows}
        return sec, {f"dE_{r.structure}": q(r.delta, "meV/atom") for r in rows if r.structure != st}
    if name == "phonons":
        k = cfg.phonon_supercell
        r = phonons.phonons(unit_cell, calc, (k, k, k))
        state["phonons"] = r
        sec = {"distances": q(r.distances, "1/Å"), "frequencies": q(r.frequencies, "THz"),
               "labels": [[x, s] for x, s in r.labels], "dos_frequencies": q(r.dos_frequencies, "THz"),
               "dos": q(r.dos, "states/THz"), "min_frequency": q(r.min_frequency, "THz"),
               "supercell": f"{k}x{k}x{k} of the primitive cell"}
        return sec, {"max_phonon_frequency": q(float(r.frequencies.max()), "THz")}
    if name == "cost":
        from . import cost

        r = cost.cost_ase(unit_cell, calc, n_target=cfg.cost_atoms)
        sec = {"ase": q(r.us_per_atom_step, "µs/(atom·step)", supercell=list(r.supercell), n_atoms=r.n_atoms)}
        summ = {"cost_ase": sec["ase"]}
        if cfg.lammps_pair:
            rl = cost.cost_lammps(unit_cell, cfg.lammps_pair, [el], n_target=cfg.cost_atoms)
            sec["lammps"] = q(rl.us_per_atom_step, "µs/(atom·step)", supercell=list(rl.supercell), n_atoms=rl.n_atoms)
            summ["cost_lammps"] = sec["lammps"]
        return sec, summ
    if name == "md":
        from .md_stability import md_stability

        k = cfg.md_supercell
        r = md_stability(unit_cell, calc, supercell=(k, k, k), temperature=cfg.md_temperature,
                         time_nvt=cfg.md_time, time_nve=cfg.md_time / 2)
        d = asdict(r)
        sec = {"temperature": q(d["temperature"], "K"), "mean_temperature": q(d["mean_temperature"], "K"),
               "min_distance": q(d["min_distance"], "Å"), "too_close": d["too_close"],
               "nve_drift": q(d["drift"], "meV/atom/ps"), "time_nvt": q(d["time_nvt"], "ps"),
               "time_nve": q(d["time_nve"], "ps"), "n_atoms": r.n_atoms, "supercell": list(r.supercell)}
        return sec, {"md_drift": sec["nve_drift"]}
    raise ConfigError(f"unknown property {name!r}; known: {list(PROPERTIES)}")


def run_suite(calc, cfg: ValidateConfig, *, name: str = "potential", reference: dict | None = None,
              progress: bool = True) -> dict:
    """Compute the properties of ``cfg`` with ``calc``; returns the JSON-safe result document.

    Parameters
    ----------
    calc : ase Calculator
    cfg : ValidateConfig
    name : str
        Label of the potential in the document and plots.
    reference : dict, optional
        ``{key: value}`` in the summary's units (see :mod:`~atomforge.properties.reference_data`).
    progress : bool
        Show a rich progress bar.
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from .. import __version__

    doc = {"atomforge_version": __version__, "potential": name, "element": cfg.element,
           "structure": cfg.structure, "config": _jsonable(asdict(cfg)), "properties": {}, "summary": {},
           "reference": dict(reference or {}), "timings": {}}
    state: dict = {}
    names = ["lattice"] + [p for p in cfg.applicable() if p != "lattice"]
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), disable=not progress, transient=False) as bar:
        task = bar.add_task(f"{name}: {cfg.element} {cfg.structure}", total=len(names))
        for p in names:
            bar.update(task, description=f"{name}: {cfg.element} {cfg.structure}: {p}")
            t0 = time.perf_counter()
            try:
                sec, summ = _family(p, cfg, calc, state)
            except ConvergenceError as err:  # keep the other properties; the report shows the failure
                if p == "lattice":
                    raise
                sec, summ = {"error": str(err)}, {}
            doc["timings"][p] = q(time.perf_counter() - t0, "s")
            doc["properties"][p] = _jsonable(sec)
            doc["summary"].update(_jsonable(summ))
            bar.advance(task)
    return doc


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    return obj
