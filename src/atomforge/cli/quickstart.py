"""``atomforge quickstart``: the main job on a built-in example."""

from __future__ import annotations

from pathlib import Path

import typer

from . import app


@app.command()
def quickstart(out: Path = typer.Option(Path("quickstart-out"), help="Folder for the outputs."),
               progress: bool = typer.Option(True, help="Show progress bars on stderr.")):
    """Run the main job on a built-in example (Cu labelled with ASE's EMT)."""
    from ..quickstart import run_quickstart
    from ._progress import progress_bars

    with progress_bars(progress) as bars:
        run_quickstart(out, progress_factory=bars)
