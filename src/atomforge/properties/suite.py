"""Run the property suite for one element and structure with any ASE calculator.

The families are registered in :data:`FAMILIES`: name → :class:`Family` (the function, the
results of earlier families it needs, the structures it applies to, and the summary keys it
returns). :func:`run_suite` loops over the registry in order, shows progress with rich, and
returns one JSON-safe document: every number is ``{"value": ..., "unit": ..., "supercell": ...}``;
the ``summary`` holds the headline numbers under the keys of
:mod:`atomforge.properties.reference_data`, ``reference`` the values compared against, and
``skipped`` every family that did not run, with the reason. A new family is one function in
:mod:`atomforge.properties.families` and one entry here.
"""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from ..errors import ConfigError, ConvergenceError
from . import families
from .families import Context, q

__all__ = ["FAMILIES", "PROPERTIES", "Family", "ValidateConfig", "q", "run_suite"]

CUBIC_LIKE = ("fcc", "bcc", "diamond", "sc")


@dataclass(frozen=True)
class Family:
    """One property family of the suite.

    Attributes
    ----------
    compute : callable
        ``compute(ctx: Context) -> (section: dict, summary: dict)``.
    needs : tuple of str
        Entries of ``ctx.state`` it reads, made by earlier families (``"lattice"``: the relaxed cell).
    structures : tuple of str or None
        Structures it is defined for (None: any).
    returns : tuple of str
        Summary keys it may return (shell patterns); checked when it runs.
    """

    compute: Callable
    needs: tuple[str, ...] = ("lattice",)
    structures: tuple[str, ...] | None = None
    returns: tuple[str, ...] = ()


#: Property families in the order they run.
FAMILIES: dict[str, Family] = {
    "lattice": Family(families.lattice, needs=(), returns=("a", "c", "E_coh")),
    "eos": Family(families.eos, returns=("V0", "B", "Bp")),
    "elastic": Family(families.elastic, returns=("C11", "C12", "C44", "B_hill", "G_hill", "poisson")),
    "vacancy": Family(families.vacancy, returns=("Evf",)),
    "migration": Family(families.migration, structures=CUBIC_LIKE, returns=("Evm",)),
    "interstitial": Family(families.interstitial, structures=CUBIC_LIKE, returns=("Eif",)),
    "surfaces": Family(families.surfaces, structures=CUBIC_LIKE, returns=("gamma_*",)),
    "stacking_faults": Family(families.stacking_faults, structures=("fcc", "bcc"), returns=("isf", "usf", "usf_*")),
    "polymorphs": Family(families.polymorphs, returns=("dE_*",)),
    "phonons": Family(families.phonons, returns=("max_phonon_frequency",)),
    "cost": Family(families.cost, returns=("cost_ase", "cost_lammps")),
    "md": Family(families.md, returns=("md_drift",)),
}
#: The names of the built-in families (the registry itself may grow at run time).
PROPERTIES = tuple(FAMILIES)


@dataclass
class ValidateConfig:
    """What to compute and at what size.

    Attributes
    ----------
    element : str
    structure : str (one of fcc, bcc, hcp, diamond, sc)
    properties : list of str (names in :data:`FAMILIES`; default all of them that apply)
    eos_strain : float (± volume fraction), eos_points : int
    elastic_strain : float
    defect_tolerance : float, eV
        Vacancy, migration and interstitial energies grow the n×n×n supercell from n = 2 until the
        last two sizes, and the 1/N estimate of the remaining error, agree within this
        (:mod:`~atomforge.properties.convergence`).
    defect_max_atoms : int (largest vacancy/interstitial cell); neb_max_atoms : int (largest NEB cell)
    vacancy_supercells, neb_supercells, interstitial_supercells : list of int or None
        Fixed sizes n instead of the rule (the last is reported, flagged when the last two disagree).
    neb_images : int
    interstitial_site : tuple of 3 floats (fraction of the conventional cell)
    surfaces : list of Miller indices; surface_layers : list of int (convergence; last reported)
    gamma_points : int (samples of each γ-line before the search for its maximum)
    polymorphs : list of str
    phonon_supercell : int
    cost_atoms : int
    md_temperature : float, K; md_time : float, ps (NVT, then half as long NVE); md_supercell : int
    lammps_pair : list of str or None (pair_style/pair_coeff lines for the native LAMMPS cost)
    energy_reference : str
        ``"auto"``, ``"isolated_atoms"`` or ``"unreferenced"``: whether E_atom − E_bulk is a cohesive
        energy (:func:`~atomforge.properties.families.energy_reference`).
    quick : bool
        Small cells for a smoke test; the report says the values are not converged.
    """

    element: str
    structure: str
    properties: list[str] = field(default_factory=lambda: list(FAMILIES))
    eos_strain: float = 0.06
    eos_points: int = 11
    elastic_strain: float = 0.005
    defect_tolerance: float = 0.005
    defect_max_atoms: int = 2000
    neb_max_atoms: int = 1000
    vacancy_supercells: list[int] | None = None
    neb_supercells: list[int] | None = None
    interstitial_supercells: list[int] | None = None
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
    energy_reference: str = "auto"
    quick: bool = False

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
        from ase.data import atomic_numbers

        from .lattice import STRUCTURES

        if self.element not in atomic_numbers or self.element == "X":
            raise ConfigError(f"element {self.element!r} is not a chemical element symbol")
        if self.structure not in STRUCTURES:
            raise ConfigError(f"structure {self.structure!r} is unknown; known: {list(STRUCTURES)}")
        unknown = set(self.properties) - set(FAMILIES)
        if unknown:
            raise ConfigError(f"ValidateConfig.properties: unknown {sorted(unknown)}; known: {list(FAMILIES)}")
        if self.energy_reference not in ("auto", "isolated_atoms", "unreferenced"):
            raise ConfigError(f"ValidateConfig.energy_reference: {self.energy_reference!r}; "
                              "known: 'auto', 'isolated_atoms', 'unreferenced'")

    def skipped(self) -> dict[str, str]:
        """Chosen families that are not defined for this structure, with the reason."""
        return {p: f"not defined for structure {self.structure!r} (only {', '.join(fam.structures)})"
                for p, fam in FAMILIES.items() if p in self.properties and fam.structures is not None
                and self.structure not in fam.structures}

    def applicable(self) -> list[str]:
        """The chosen families that exist for this structure, in registry order (``lattice`` first)."""
        skip = self.skipped()
        return [p for p in FAMILIES if (p in self.properties or p == "lattice") and p not in skip]


def run_suite(calc, cfg: ValidateConfig, *, name: str = "potential", reference: dict | None = None,
              progress: bool = True, on_update: Callable[[dict], None] | None = None) -> dict:
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
    on_update : callable, optional
        Called with the document after each family (to write it as it grows); ``doc["complete"]``
        is False until the last family has run.

    A family that raises :class:`~atomforge.errors.ConvergenceError` gets ``{"error": message}``; one
    that cannot run (a missing module, or a family it needs that failed) is listed in ``skipped``
    with the reason. Other exceptions propagate, after ``on_update`` has seen what was done.
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from .. import __version__

    doc = {"atomforge_version": __version__, "potential": name, "element": cfg.element,
           "structure": cfg.structure, "config": _jsonable(asdict(cfg)), "properties": {}, "summary": {},
           "reference": dict(reference or {}), "skipped": cfg.skipped(), "timings": {}, "complete": False}
    ctx = Context(cfg, calc)
    names = cfg.applicable()
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), disable=not progress, transient=False) as bar:
        task = bar.add_task(f"{name}: {cfg.element} {cfg.structure}", total=len(names))
        for p in names:
            bar.update(task, description=f"{name}: {cfg.element} {cfg.structure}: {p}")
            fam = FAMILIES[p]
            missing = [k for k in fam.needs if k not in ctx.state]
            if missing:
                doc["skipped"][p] = f"needs {', '.join(missing)}, which did not complete"
            else:
                _run_family(p, fam, ctx, doc)
            bar.advance(task)
            if on_update is not None:
                on_update(doc)
    doc["complete"] = True
    if on_update is not None:
        on_update(doc)
    return doc


def _run_family(p: str, fam: Family, ctx: Context, doc: dict) -> None:
    t0 = time.perf_counter()
    try:
        sec, summ = fam.compute(ctx)
    except ConvergenceError as err:  # keep the other properties; the report shows the failure
        doc["properties"][p] = {"error": str(err)}
    except ImportError as err:  # e.g. LAMMPS not installed
        doc["skipped"][p] = f"{type(err).__name__}: {err}"
    else:
        stray = [k for k in summ if not any(fnmatch.fnmatchcase(k, pat) for pat in fam.returns)]
        if stray:
            raise RuntimeError(f"property family {p!r} returned summary keys {stray} it does not declare")
        doc["properties"][p] = _jsonable(sec)
        doc["summary"].update(_jsonable(summ))
    doc["timings"][p] = q(time.perf_counter() - t0, "s")


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
