"""The ASE calculator shared by every atomforge potential."""

from __future__ import annotations

from ase.calculators.calculator import Calculator, all_changes


class AtomforgeCalculator(Calculator):
    """ASE calculator around a :class:`~atomforge.potential.Potential`.

    Gives ``energy``, ``free_energy`` (the same), ``energies`` (per atom), ``forces`` and,
    for fully periodic cells, ``stress`` (Voigt, eV/Å³, ASE sign); for a potential with
    uncertainty (:attr:`~atomforge.potential.Potential.has_uncertainty`), when asked for,
    ``energy_std`` (eV) and ``energies_std`` (per atom, eV).
    """

    implemented_properties = ["energy", "free_energy", "energies", "forces", "stress"]

    def __init__(self, potential, **kwargs):
        super().__init__(**kwargs)
        self.potential = potential
        if potential.has_uncertainty:
            self.implemented_properties = [*self.implemented_properties, "energy_std", "energies_std"]

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        want_stress = "stress" in properties and bool(self.atoms.pbc.all())
        ev = self.potential.evaluate(self.atoms, forces=True, stress=want_stress)
        self.results = {"energy": ev.energy, "free_energy": ev.energy,
                        "energies": ev.energies, "forces": ev.forces}
        if ev.stress is not None:
            self.results["stress"] = ev.stress
        if {"energy_std", "energies_std"} & set(properties):
            self.results.update(self.potential.uncertainty(self.atoms))
