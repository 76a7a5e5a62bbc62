"""The ASE calculator shared by every atomforge potential."""

from __future__ import annotations

from ase.calculators.calculator import Calculator, all_changes


class AtomforgeCalculator(Calculator):
    """ASE calculator around a :class:`~atomforge.potential.Potential`.

    Gives ``energy``, ``free_energy`` (the same), ``energies`` (per atom), ``forces`` and,
    for fully periodic cells, ``stress`` (Voigt, eV/Å³, ASE sign). A committee model (an ensemble
    of networks) adds its spread: ``energy_std`` (eV), ``energies_std`` (per atom, eV) and
    ``forces_std`` (n_atoms, 3) eV/Å, in ``results`` and through ``get_property``.
    """

    implemented_properties = ["energy", "free_energy", "energies", "forces", "stress",
                              "energy_std", "energies_std", "forces_std"]

    def __init__(self, potential, **kwargs):
        super().__init__(**kwargs)
        self.potential = potential

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        want_stress = "stress" in properties and bool(self.atoms.pbc.all())
        ev = self.potential.evaluate(self.atoms, forces=True, stress=want_stress)
        self.results = {"energy": ev.energy, "free_energy": ev.energy,
                        "energies": ev.energies, "forces": ev.forces}
        if ev.stress is not None:
            self.results["stress"] = ev.stress
        self.results.update(ev.uncertainty)
