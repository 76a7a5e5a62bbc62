"""LAMMPS files of an atomforge potential, for running it natively (``atomforge validate`` cost, MD).

:func:`export_pair_lines` writes the potential's LAMMPS files into a folder and returns the
``pair_style``/``pair_coeff`` lines with absolute paths, so they work from any working directory.
"""

from __future__ import annotations

from pathlib import Path


def export_pair_lines(potential, folder: str | Path, name: str = "potential") -> list[str] | None:
    """Write ``potential``'s LAMMPS files to ``folder``; return its pair lines, or None without a LAMMPS form.

    Parameters
    ----------
    potential : atomforge Potential
        A :class:`~atomforge.models.snap_potential.SNAPPotential` (``pair_style snap``, with
        ``hybrid/overlay zbl`` when it has a ZBL core) or a
        :class:`~atomforge.models.meam_spline.SplineMEAM` (``pair_style meam/spline``).
    folder : path
        Created if absent.
    name : str
        Base name of the files.

    Returns
    -------
    list of str or None
        LAMMPS commands; atom types 1..n are ``potential.species`` in order.
    """
    from ..models.meam_spline import SplineMEAM
    from ..models.snap_potential import SNAPPotential

    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(potential, SNAPPotential):
        from .snap import pair_style_lines
        from .snap_convert import snap_files_from_potential, write_lammps_snap

        files = snap_files_from_potential(potential)
        written = write_lammps_snap(files, folder, name)
        return pair_style_lines(files, str(written["snapcoeff"]), str(written["snapparam"]))
    if isinstance(potential, SplineMEAM):
        path = potential.write_lammps(folder / f"{name}.meam.spline")
        return ["pair_style meam/spline", f"pair_coeff * * {Path(path).resolve()} {' '.join(potential.species)}"]
    return None
