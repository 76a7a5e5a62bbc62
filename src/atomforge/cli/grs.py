"""``atomforge grs CONFIG.yaml``: generalized representative structures from a target."""

from __future__ import annotations

from pathlib import Path

import typer

from . import app


@app.command()
def grs(config: Path = typer.Argument(..., help="GRS config (YAML): target, candidates, search, set."),
        fresh: bool = typer.Option(False, "--fresh", help="Ignore an existing checkpoint and start over."),
        stop_after: int = typer.Option(None, "--stop-after", help="Stop with a checkpoint after this many "
                                       "chunks of checkpoint_every steps (run again to resume)."),
        progress: bool = typer.Option(True, help="Print progress lines on stderr.")):
    """Search small structures whose descriptor distribution matches a target's.

    Writes structures.xyz, history.json, report.json, report.md, pca.png and histograms.png to the
    config's output folder; an interrupted run resumes from its checkpoint.
    """
    from ..grs.runner import run_grs

    echo = (lambda line: typer.echo(line, err=True)) if progress else None
    report = run_grs(config, fresh=fresh, stop_after=stop_after, echo=echo)
    if report.get("stopped"):
        typer.echo(f"stopped with a checkpoint after {report['members']} finished member(s); run again to resume")
        return
    typer.echo(f"{report['n_structures']} structure(s) written; "
               + ", ".join(f"Q[{m['grs_member']}] = {m['grs_Q']:.4g}" for m in report["members"]))
