"""``atomforge fit CONFIG.yaml``: fit a SNAP/qSNAP or spline-MEAM potential."""

from __future__ import annotations

from pathlib import Path

import typer

from . import app


@app.command()
def fit(config: Path = typer.Argument(..., help="YAML fit configuration (see examples/mlearn/*.yaml)."),
        output: Path = typer.Option(None, "--output", "-o",
                                    help="Potential file to write (overrides output.potential)."),
        print_config: bool = typer.Option(False, "--print-config",
                                          help="Print the validated configuration with all defaults and exit."),
        progress: bool = typer.Option(True, help="Show progress bars on stderr.")):
    """Fit a potential: read the data, fit (SNAP: solve; s-MEAM: CMA-ES), write the potential and a fit report.

    Outputs are written only when the fit has finished, each atomically, so an interrupted fit
    (Ctrl-C) leaves no half-written file.
    """
    import json

    import yaml

    from ..fileio import write_atomically
    from ..fitting.config import SMEAMSpec, load_config, resolve_path
    from ..fitting.fit import fit_from_config
    from ._progress import progress_bars

    cfg, base = load_config(config)
    if print_config:
        typer.echo(yaml.safe_dump(cfg.model_dump(mode="json"), sort_keys=False))
        return
    with progress_bars(progress) as bars:
        result = fit_from_config(cfg, base, progress_factory=bars)
    pot_path = result.potential.save(output if output is not None else resolve_path(cfg.output.potential, base))
    report_path = resolve_path(cfg.output.report, base)
    write_atomically(report_path, lambda f: f.write(json.dumps(result.report, indent=1).encode()))
    stem = pot_path.name.split(".")[0]
    if isinstance(cfg.model, SMEAMSpec):  # a .meam.spline file always, in output.lammps or beside the potential
        from ..lammps.export import export_pair_lines

        folder = resolve_path(cfg.output.lammps, base) if cfg.output.lammps else pot_path.parent
        lines = export_pair_lines(result.potential, folder, stem)
        typer.echo("LAMMPS: " + "; ".join(lines) + "\n(LAMMPS energies lack the fitted reference energies "
                   f"{result.report['fit']['reference_energies']} eV per atom)")
    elif cfg.output.lammps:
        result.potential.write_lammps(resolve_path(cfg.output.lammps, base), stem)
    typer.echo(format_metrics_table(result.report))
    typer.echo(f"potential: {pot_path}\nreport: {report_path}")


def format_metrics_table(report: dict) -> str:
    """Train/test errors as a small text table (overall and per group)."""
    lines = [f"{'set':<6} {'group':<18} {'frames':>6} {'E MAE':>10} {'E RMSE':>10} {'F MAE':>8} "
             f"{'F RMSE':>8} {'S MAE':>8}", f"{'':<6} {'':<18} {'':>6} {'meV/atom':>10} {'meV/atom':>10} "
             f"{'eV/Å':>8} {'eV/Å':>8} {'GPa':>8}"]

    def fmt(v, spec):
        return format(v, spec) if v is not None else "-".rjust(int(spec.split(".")[0]))

    for name in ("train", "test"):
        if name not in report:
            continue
        m = report[name]
        for group, row in [("all", m), *sorted(m["groups"].items())]:
            lines.append(f"{name:<6} {group:<18} {row['n_frames']:>6} {fmt(row['energy_mae_mev_atom'], '10.3f')} "
                         f"{fmt(row['energy_rmse_mev_atom'], '10.3f')} {fmt(row['force_mae_ev_a'], '8.4f')} "
                         f"{fmt(row['force_rmse_ev_a'], '8.4f')} {fmt(row['stress_mae_gpa'], '8.3f')}")
    return "\n".join(lines)
