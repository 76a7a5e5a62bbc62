"""The ``atomforge`` command line: one module per verb; each parses options and calls the library.

A verb module defines its function with ``@app.command()`` and is imported at the bottom of this
file. Heavy dependencies are imported inside the verb, so ``--help`` stays fast.
"""

from __future__ import annotations

import sys

import typer

from ..errors import AtomforgeError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="atomforge: interatomic potentials from first-principles data.")


def _print_version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"atomforge {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """atomforge: interatomic potentials from first-principles data."""


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


from . import evaluate, export, fit, grs, quickstart, validate  # noqa: E402,F401  (verbs register themselves on import)
