"""``atomforge fit CONFIG.yaml``: fit a SNAP/qSNAP or spline-MEAM potential."""

from __future__ import annotations

from pathlib import Path

import typer

from . import app


@app.command()
def fit(config: Path = typer.Argument(..., help="YAML fit configuration (see examples/mlearn/*.yaml)."),
        output: Path = typer.Option(None, "--output", "-o",
                                    help="Potential file to write (overrides output.potential); the report, "
                                         "LAMMPS folder and checkpoint go beside it."),
        overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing potential or report."),
        print_config: bool = typer.Option(False, "--print-config",
                                          help="Print the validated configuration with all defaults and exit."),
        progress: bool = typer.Option(True, help="Show progress bars on stderr.")):
    """Fit a potential: read the data, fit (SNAP: solve; s-MEAM: CMA-ES), write the potential and a fit report.

    Outputs are written only when the fit has finished, each atomically, so an interrupted fit
    (Ctrl-C) leaves no half-written file. An existing potential or report is never replaced
    without --overwrite (checked before the fit starts).
    """
    import json

    import yaml

    from ..errors import ConfigError
    from ..fileio import write_atomically
    from ..fitting.config import load_config, resolve_path
    from ..fitting.fit import fit_from_config
    from ..fitting.metrics import format_metrics_table
    from ..lammps.export import export_lammps
    from ._progress import progress_bars

    from ..potential import with_suffix

    cfg, base = load_config(config)
    if output is not None:  # everything written moves with the potential
        folder = output.resolve().parent
        out = cfg.output
        cfg.output = out.model_copy(update={
            "potential": str(output.resolve()), "report": str(folder / Path(out.report).name),
            "lammps": str(folder / out.lammps) if out.lammps and not Path(out.lammps).is_absolute() else out.lammps})
    if print_config:
        typer.echo(yaml.safe_dump(cfg.model_dump(mode="json"), sort_keys=False))
        return
    pot_path = with_suffix(resolve_path(cfg.output.potential, base))
    report_path = resolve_path(cfg.output.report, base)
    existing = [str(p) for p in (pot_path, report_path) if p.exists()]
    if existing and not overwrite:
        raise ConfigError(f"{', '.join(existing)} already exist(s); pass --overwrite to replace, or -o elsewhere")
    with progress_bars(progress) as bars:
        result = fit_from_config(cfg, base, progress_factory=bars)
    result.potential.save(pot_path)
    write_atomically(report_path, lambda f: f.write(json.dumps(result.report, indent=1).encode()))
    if cfg.output.lammps:
        written = export_lammps(result.potential, resolve_path(cfg.output.lammps, base), pot_path.name.split(".")[0])
        typer.echo("LAMMPS: " + "; ".join(written["pair_lines"]))
        if "reference_energies" in result.report["fit"]:
            typer.echo(f"(LAMMPS energies lack the fitted reference energies "
                       f"{result.report['fit']['reference_energies']} eV per atom)")
    typer.echo(format_metrics_table(result.report))
    typer.echo(f"potential: {pot_path}\nreport: {report_path}")
