"""``atomforge export POTENTIAL --lammps DIR``: LAMMPS files of a potential."""

from __future__ import annotations

from pathlib import Path

import typer

from . import app


@app.command()
def export(potential: Path = typer.Argument(..., help="The potential file to export."),
           lammps: Path = typer.Option(..., "--lammps", help="Folder for the LAMMPS files."),
           name: str = typer.Option(None, help="Base name of the files (default: the potential's file name).")):
    """Write LAMMPS .snapcoeff/.snapparam files and a .snap include, and print the pair lines to paste."""
    from .. import load

    pot = load(potential)
    if not hasattr(pot, "write_lammps"):
        from ..errors import ConfigError

        raise ConfigError(f"{potential}: a {pot.kind} potential has no LAMMPS export")
    written = pot.write_lammps(lammps, name or potential.name.split(".")[0])
    typer.echo(f"wrote {written['snapcoeff']}, {written['snapparam']}, {written['include']}")
    typer.echo("# paste into a LAMMPS input (atom types in this order: " + " ".join(pot.species) + ")")
    typer.echo("\n".join(written["pair_lines"]))
