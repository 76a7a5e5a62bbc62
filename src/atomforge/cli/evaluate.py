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
             progress: bool = typer.Option(True, help="Show a progress bar on stderr.")):
    """Energy (meV/atom), force (eV/Å) and stress (GPa) MAE and RMSE, overall and per group.

    The JSON keys are energy_mae_mev_atom, energy_rmse_mev_atom, force_mae_ev_a, force_rmse_ev_a,
    stress_mae_gpa, stress_rmse_gpa, n_frames, n_atoms, and groups (the same keys per group).
    """
    import json

    from .. import load
    from ..data import Dataset
    from ..data.io import read_frames
    from ..fitting.metrics import evaluate as evaluate_metrics
    from ._progress import progress_bars
    from .fit import format_metrics_table

    pot = load(potential)
    dataset = Dataset([], "")
    for path in data:
        dataset = dataset + read_frames(path, format=format)
    with progress_bars(progress and not json_out) as bars:
        metrics = evaluate_metrics(pot, dataset, progress=bars("evaluate", len(dataset)) if bars else None)
    if json_out:
        typer.echo(json.dumps(metrics))
    else:
        typer.echo(format_metrics_table({"test": metrics}).replace("test  ", "data  "))
