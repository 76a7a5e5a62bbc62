"""The ``atomforge`` command line: each verb parses options, builds a config and calls the library."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from .errors import AtomforgeError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="atomforge: interatomic potentials from first-principles data.")


@app.callback()
def _root() -> None:
    """atomforge: interatomic potentials from first-principles data."""


@app.command()
def quickstart(out: Path = typer.Option(Path("quickstart-out"), help="Folder for the outputs.")):
    """Run the main job on a built-in example (Cu labelled with ASE's EMT)."""
    from .quickstart import run_quickstart

    run_quickstart(out)


def main() -> None:
    """Console entry point: an AtomforgeError prints as one line and exits with status 2."""
    debug = "--debug" in sys.argv
    if debug:
        sys.argv.remove("--debug")
    try:
        app()
    except AtomforgeError as err:
        if debug:
            raise
        typer.echo(f"error: {err}", err=True)
        raise SystemExit(2) from None
