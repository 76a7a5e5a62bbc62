"""Descriptor potentials: a descriptor, a model of per-atom energies, and an optional pair term.

E = Σ_i E_i(B_i) + E_pair. Forces and stress come from :func:`atomforge.chain_rule.forces_and_stress`
with ∂E_i/∂B_i from the model, plus the pair term's own (ZBL: as LAMMPS ``hybrid/overlay zbl``).
Any registered descriptor and model combine; which combinations have a LAMMPS form is the business
of :mod:`atomforge.lammps.export`.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from ase import Atoms

from ..chain_rule import forces_and_stress
from ..data.frame import Frame
from ..descriptors import make_descriptor
from ..pairs import make_pair
from ..potential import Evaluation, Potential


class DescriptorPotential(Potential):
    """A fitted descriptor model, optionally overlaid with a pair term.

    Parameters
    ----------
    descriptor : Descriptor
    model : Model
        Fitted before :meth:`evaluate` is called.
    pair : pair term (:data:`atomforge.pairs.PAIR_TERMS`), optional
    metadata : dict, optional
        JSON-safe notes kept in the file (fit configuration, data set, errors).
    """

    kind: ClassVar[str] = "descriptor"

    def __init__(self, descriptor, model, pair=None, metadata: dict | None = None):
        self.descriptor = descriptor
        self.model = model
        self.pair = pair
        self.metadata = dict(metadata or {})

    @property
    def species(self) -> list[str]:
        return list(self.model.species)

    @property
    def cutoff(self) -> float:
        return max(self.descriptor.cutoff, self.pair.cutoff if self.pair is not None else 0.0)

    def evaluate(self, atoms: Atoms, *, forces: bool = True, stress: bool = True) -> Evaluation:
        stress = stress and bool(atoms.pbc.all())
        out = self.descriptor.compute(Frame(atoms), gradients=forces or stress)
        energies, de_db = self.model.predict(out.values, out.numbers)
        f = s = None
        if forces or stress:
            f, s = forces_and_stress(de_db, out, atoms.get_volume() if stress else None)
        if self.pair is not None:
            pe, pf, ps = self.pair.evaluate(atoms)
            energies = energies + pe
            if f is not None:
                f = f + pf
            if s is not None:
                s = s + ps
        return Evaluation(float(energies.sum()), energies, f if forces else None, s)

    @property
    def has_uncertainty(self) -> bool:
        return hasattr(self.model, "predict_std")

    def uncertainty(self, atoms: Atoms) -> dict:
        """``energy_std`` (eV) and ``energies_std`` (n_atoms,) from the model's ``predict_std``
        (the pair term is taken as exact)."""
        if not self.has_uncertainty:
            return super().uncertainty(atoms)
        out = self.descriptor.compute(Frame(atoms))
        energy_std, energies_std = self.model.predict_std(out.values, out.numbers)
        return {"energy_std": energy_std, "energies_std": energies_std}

    def to_dict(self) -> tuple[dict, dict[str, np.ndarray]]:
        model_spec, model_arrays = self.model.to_dict()
        spec = {"descriptor": {"name": self.descriptor.name, **self.descriptor.to_dict()}, "model": model_spec,
                "pair": {"name": self.pair.name, **self.pair.to_dict()} if self.pair is not None else None,
                "metadata": self.metadata}
        return spec, {f"model.{k}": v for k, v in model_arrays.items()}

    @classmethod
    def from_dict(cls, spec: dict, arrays: dict[str, np.ndarray]) -> "DescriptorPotential":
        from . import make_model

        model = make_model(spec["model"], {k[6:]: v for k, v in arrays.items() if k.startswith("model.")})
        pair = make_pair(spec["pair"]) if spec.get("pair") else None
        return cls(make_descriptor(spec["descriptor"]), model, pair, spec.get("metadata"))
