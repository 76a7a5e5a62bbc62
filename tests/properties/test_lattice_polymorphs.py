"""Lattice relaxation routes agree with each other; polymorph energies accept structure files."""

from __future__ import annotations

import pytest
from ase.build import bulk
from ase.calculators.emt import EMT
from ase.io import write

from atomforge.errors import ConfigError
from atomforge.properties.lattice import lattice_constants
from atomforge.properties.polymorphs import polymorph_energies


@pytest.mark.slow
def test_user_structure_file_relaxes_to_the_cubic_lattice_constant(tmp_path):
    calc = EMT()
    cubic = lattice_constants("Cu", "fcc", calc)  # pressure root of the cubic cell
    path = tmp_path / "cu.xyz"
    write(path, bulk("Cu", "fcc", a=3.7, cubic=True))  # strained start, relaxed by cell filter + BFGS
    rows = {r.structure: r for r in polymorph_energies("Cu", "fcc", calc, structures=["bcc", str(path)])}
    assert rows[str(path)].a == pytest.approx(cubic.a, abs=1e-4)
    assert rows[str(path)].delta == pytest.approx(0.0, abs=1e-3)  # meV/atom
    assert rows["bcc"].delta > 0  # EMT Cu prefers fcc
    with pytest.raises(ConfigError, match="neither"):
        polymorph_energies("Cu", "fcc", calc, structures=["no_such_file.xyz"])
