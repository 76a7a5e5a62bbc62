"""``atomforge export POTENTIAL --lammps DIR``: LAMMPS files of a potential."""

from __future__ import annotations

from pathlib import Path

import typer

from . import app


@app.command()
def export(potential: Path = typer.Argument(..., help="The potential file to export."),
           lammps: Path = typer.Option(..., "--lammps", help="Folder for the LAMMPS files."),
           name: str = typer.Option(None, help="Base name of the files (default: the potential's file name).")):
    """Write the LAMMPS files of a potential (pair_style snap, meam/spline, ...) and print the pair lines.

    A potential kind without a LAMMPS form (atomforge.lammps.export.EXPORTERS) is refused with the
    list of forms that exist; use its ASE calculator instead.
    """
    from .. import load
    from ..lammps.export import export_lammps

    pot = load(potential)
    written = export_lammps(pot, lammps, name or potential.name.split(".")[0])
    typer.echo("wrote " + ", ".join(str(p) for p in written["files"]))
    typer.echo("# paste into a LAMMPS input (atom types in this order: " + " ".join(pot.species) + ")")
    typer.echo("\n".join(written["pair_lines"]))
