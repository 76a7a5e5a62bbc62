"""SNAP potentials: a descriptor (the bispectrum), a linear or quadratic model, and optional ZBL.

E = Σ_i E_i(B_i) + E_ZBL. Forces and stress come from :func:`atomforge.chain_rule.forces_and_stress`
with ∂E_i/∂B_i from the model (quadratic terms included), plus the ZBL pair terms.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np
from ase import Atoms

from ..chain_rule import forces_and_stress
from ..data.frame import Frame
from ..descriptors import make_descriptor
from ..errors import ConfigError
from ..pairs.zbl import ZBL
from ..potential import POTENTIAL_KINDS, Evaluation, Potential
from .linear import LinearModel


class SNAPPotential(Potential):
    """A fitted descriptor model, optionally overlaid with a ZBL pair term.

    The descriptor is normally the bispectrum (``"snap"``), which makes the potential exportable to
    LAMMPS ``pair_style snap``; any registered descriptor with sparse gradients works for fitting,
    evaluation and saving.

    Parameters
    ----------
    descriptor : Descriptor
    model : LinearModel
        Fitted (has ``coef_``) before :meth:`evaluate` is called.
    zbl : ZBL, optional
    metadata : dict, optional
        JSON-safe notes kept in the file (fit configuration, data set, errors).
    """

    kind: ClassVar[str] = "snap"

    def __init__(self, descriptor, model: LinearModel, zbl: ZBL | None = None, metadata: dict | None = None):
        self.descriptor = descriptor
        self.model = model
        self.zbl = zbl
        self.metadata = dict(metadata or {})

    @property
    def species(self) -> list[str]:
        return list(self.model.species)

    @property
    def cutoff(self) -> float:
        return max(self.descriptor.cutoff, self.zbl.outer if self.zbl is not None else 0.0)

    def evaluate(self, atoms: Atoms, *, forces: bool = True, stress: bool = True) -> Evaluation:
        stress = stress and bool(atoms.pbc.all())
        out = self.descriptor.compute(Frame(atoms), gradients=forces or stress)
        energies, de_db = self.model.predict(out.values, out.numbers)
        f = s = None
        if forces or stress:
            f, s = forces_and_stress(de_db, out, atoms.get_volume() if stress else None)
        if self.zbl is not None:
            ze, zf, zs = self.zbl.evaluate(atoms)
            energies = energies + ze
            if f is not None:
                f = f + zf
            if s is not None:
                s = s + zs
        return Evaluation(float(energies.sum()), energies, f if forces else None, s)

    def to_dict(self) -> tuple[dict, dict[str, np.ndarray]]:
        model_spec, model_arrays = self.model.to_dict()
        spec = {"descriptor": {"name": self.descriptor.name, **self.descriptor.to_dict()}, "model": model_spec,
                "zbl": self.zbl.to_dict() if self.zbl is not None else None, "metadata": self.metadata}
        return spec, {f"model.{k}": v for k, v in model_arrays.items()}

    @classmethod
    def from_dict(cls, spec: dict, arrays: dict[str, np.ndarray]) -> "SNAPPotential":
        model = LinearModel.from_dict(spec["model"], {k[6:]: v for k, v in arrays.items()
                                                      if k.startswith("model.")})
        zbl = ZBL.from_dict(spec["zbl"]) if spec.get("zbl") else None
        return cls(make_descriptor(spec["descriptor"]), model, zbl, spec.get("metadata"))

    def write_lammps(self, folder: str | Path, name: str = "atomforge") -> dict:
        """Write ``name.snapcoeff``, ``name.snapparam`` and ``name.snap`` (the pair lines) to ``folder``.

        Returns ``{"snapcoeff": path, "snapparam": path, "include": path, "pair_lines": [...]}``.
        """
        from ..lammps.snap_convert import snap_files_from_potential, write_lammps_snap

        return write_lammps_snap(snap_files_from_potential(self), folder, name)


def read_lammps_snap(path: str | Path) -> SNAPPotential:
    """Open a LAMMPS SNAP potential (``.snap`` include, ``.snapcoeff`` or ``.snapparam``)."""
    from ..lammps.snap import read_snap, read_snap_include
    from ..lammps.snap_convert import potential_from_snap_files

    path = Path(path)
    if path.suffix == ".snap":
        files = read_snap_include(path)
    elif path.suffix == ".snapparam":
        files = read_snap(path.with_suffix(".snapcoeff"), path)
    elif path.suffix == ".snapcoeff":
        files = read_snap(path)
    else:
        raise ConfigError(f"{path}: not a LAMMPS SNAP file (.snap, .snapcoeff, .snapparam)")
    return potential_from_snap_files(files, source=str(path))


