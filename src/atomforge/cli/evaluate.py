"""``atomforge evaluate POTENTIAL DATA...``: errors of a potential on data sets."""

from __future__ import annotations

from pathlib import Path

import typer

from . import app


@app.command()
def evaluate(potential: Path = typer.Argument(..., help="atomforge potential, or a foreign file atomforge "
                                                         "reads (.snapparam, .snap, ...)."),
             data: list[Path] = typer.Argument(..., help="One or more data files (any format read_frames reads)."),
             format: str = typer.Option(None, "--format", help="Data format (default: detected from content)."),
             json_out: bool = typer.Option(False, "--json", help="Print one JSON object instead of a table."),
             compare: Path = typer.Option(None, "--compare", help="A second potential: also print its errors and "
                                          "the 95 % paired-bootstrap interval of MAE(POTENTIAL) − MAE(compare) "
                                          "over the frames."),
             progress: bool = typer.Option(True, help="Show a progress bar on stderr.")):
    """Energy (meV/atom), force (eV/Å) and stress (GPa) MAE and RMSE, overall and per group.

    The JSON keys are energy_mae_mev_atom, energy_rmse_mev_atom, force_mae_ev_a, force_rmse_ev_a,
    stress_mae_gpa, stress_rmse_gpa, n_frames, n_atoms, and groups (the same keys per group); with
    --compare also compare: {potential, metrics (the second potential's), difference (energy_mae_mev_atom
    and force_mae_ev_a, each {difference, low, high, not_worse}), n_resamples, level, both_not_worse}
    (not_worse: the fraction of resamples in which POTENTIAL's MAE is no larger).
    """
    import json

    from .. import load
    from ..data import Dataset
    from ..data.io import read_frames
    from ..fitting.metrics import frame_errors, paired_bootstrap, summarize
    from ._progress import progress_bars
    from ..fitting.metrics import format_metrics_table

    pots = [load(potential)] + ([load(compare)] if compare is not None else [])
    dataset = Dataset([], "")
    for path in data:
        dataset = dataset + read_frames(path, format=format)
    with progress_bars(progress and not json_out) as bars:
        errors = [frame_errors(pot, dataset, progress=bars("evaluate", len(dataset)) if bars else None)
                  for pot in pots]
    metrics = summarize(errors[0])
    if compare is not None:
        boot = paired_bootstrap(errors[0], errors[1])
        metrics["compare"] = {"potential": str(compare), "metrics": summarize(errors[1]),
                              "difference": {k: boot[k] for k in ("energy_mae_mev_atom", "force_mae_ev_a") if k in boot},
                              "n_resamples": boot["n_resamples"], "level": boot["level"],
                              "both_not_worse": boot.get("both_not_worse")}
    if json_out:
        typer.echo(json.dumps(metrics))
        return

    def table(m):
        return format_metrics_table({"test": m}).replace("test  ", "data  ")

    typer.echo(table(metrics))
    if compare is not None:
        typer.echo(f"\n{compare}:")
        typer.echo(table(metrics["compare"]["metrics"]))
        typer.echo(f"\n{potential.name} − {compare.name}, {boot['level']:.0%} interval over resampled frames:")
        for key, label, unit, digits in (("energy_mae_mev_atom", "energy MAE", "meV/atom", 3),
                                         ("force_mae_ev_a", "force MAE", "eV/Å", 4)):
            if key in boot:
                d = boot[key]
                typer.echo(f"  {label:10s} {d['difference']:+.{digits}f} {unit}  "
                           f"[{d['low']:+.{digits}f}, {d['high']:+.{digits}f}]  "
                           f"not worse in {d['not_worse']:.0%} of resamples")
