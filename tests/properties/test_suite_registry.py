"""The property registry, results written as families complete, skipped families, and cohesive energies that mean nothing.

EMT (ASE) keeps these fast. A family added by one function and one registry entry runs, lands in
``result.json`` and the report; a family that cannot run is skipped with its reason while the others
run; a failure keeps what was written before it.
"""

from __future__ import annotations

import json

import pytest
from ase.calculators.calculator import Calculator, all_changes
from ase.calculators.emt import EMT

from atomforge.errors import ConvergenceError
from atomforge.properties import FAMILIES, Family, validate
from atomforge.properties.families import energy_reference, isolated_atom_energy, q


def _double_a(ctx):
    a = ctx.state["lattice"].a
    return {"a_twice": q(2 * a, "Å")}, {"toy_a2": q(2 * a, "Å")}


def test_a_family_is_one_function_and_one_entry(tmp_path, monkeypatch):
    monkeypatch.setitem(FAMILIES, "toy", Family(_double_a, returns=("toy_*",)))
    doc = validate(EMT(), "Cu", "fcc", out=tmp_path, properties=["lattice", "toy"], progress=False)
    on_disk = json.loads((tmp_path / "result.json").read_text())
    assert on_disk["complete"] and on_disk["summary"]["toy_a2"]["value"] == 2 * doc["summary"]["a"]["value"]
    assert on_disk["properties"]["toy"]["a_twice"]["unit"] == "Å"
    assert "| toy_a2 |" in (tmp_path / "report.md").read_text()


def test_a_family_must_declare_its_summary_keys(monkeypatch):
    monkeypatch.setitem(FAMILIES, "toy", Family(_double_a, returns=("other",)))
    with pytest.raises(RuntimeError, match="toy.*toy_a2"):
        validate(EMT(), "Cu", "fcc", properties=["lattice", "toy"], progress=False)


def _missing_module(ctx):
    raise ModuleNotFoundError("No module named 'nothing_here'")


def test_a_family_that_cannot_run_is_skipped_with_the_reason_and_the_rest_runs(tmp_path, monkeypatch):
    monkeypatch.setitem(FAMILIES, "needs_module", Family(_missing_module))
    monkeypatch.setitem(FAMILIES, "toy", Family(_double_a, returns=("toy_*",)))
    validate(EMT(), "Cu", "fcc", out=tmp_path, properties=["lattice", "needs_module", "toy"], progress=False)
    doc = json.loads((tmp_path / "result.json").read_text())
    assert doc["skipped"]["needs_module"] == "ModuleNotFoundError: No module named 'nothing_here'"
    assert "toy_a2" in doc["summary"] and doc["complete"]
    assert "- needs_module: ModuleNotFoundError" in (tmp_path / "report.md").read_text()


def test_families_after_a_failed_lattice_are_skipped_as_needing_it(tmp_path, monkeypatch):
    def fail(ctx):
        raise ConvergenceError("no zero-pressure lattice constant")

    monkeypatch.setitem(FAMILIES, "lattice", Family(fail, needs=()))
    doc = validate(EMT(), "Cu", "fcc", out=tmp_path, properties=["lattice", "eos"], progress=False)
    assert doc["properties"]["lattice"] == {"error": "no zero-pressure lattice constant"}
    assert doc["skipped"]["eos"] == "needs lattice, which did not complete"


def test_results_are_on_disk_before_a_later_family_crashes(tmp_path, monkeypatch):
    def crash(ctx):
        raise RuntimeError("boom")

    monkeypatch.setitem(FAMILIES, "crash", Family(crash))
    with pytest.raises(RuntimeError, match="boom"):
        validate(EMT(), "Cu", "fcc", out=tmp_path, properties=["lattice", "eos", "crash"], progress=False)
    doc = json.loads((tmp_path / "result.json").read_text())
    assert not doc["complete"] and {"lattice", "eos"} <= set(doc["properties"])
    assert "Incomplete" in (tmp_path / "report.md").read_text()
    assert not list(tmp_path.glob(".*tmp"))  # no temporary files left behind


def test_cost_without_lammps_keeps_the_ase_timing_and_says_why(tmp_path, monkeypatch):
    import atomforge.lammps.session as session

    def no_lammps():
        raise ModuleNotFoundError("No module named 'lammps'")

    monkeypatch.setattr(session, "_import_lammps", no_lammps)
    doc = validate(EMT(), "Cu", "fcc", out=tmp_path, properties=["lattice", "cost"], cost_atoms=32,
                   lammps_pair=["pair_style eam", "pair_coeff * * Cu_u3.eam"], progress=False)
    cost = json.loads((tmp_path / "result.json").read_text())["properties"]["cost"]
    assert cost["ase"]["n_atoms"] == 32 and cost["ase"]["value"] > 0
    assert cost["lammps"] == {"skipped": "ModuleNotFoundError: No module named 'lammps'"}
    assert "cost_lammps" not in doc["summary"]
    assert "No module named 'lammps'" in (tmp_path / "report.md").read_text()


class ShiftedEMT(Calculator):
    """EMT with a constant added per atom: a potential whose energy zero is not the free atom."""

    implemented_properties = ["energy", "free_energy", "forces", "stress"]

    def __init__(self, shift: float):
        super().__init__()
        self.shift, self.emt = shift, EMT()

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        a = self.atoms.copy()
        a.calc = self.emt
        e = a.get_potential_energy() + self.shift * len(a)
        self.results = {"energy": e, "free_energy": e, "forces": a.get_forces()}
        if a.pbc.all():
            self.results["stress"] = a.get_stress()


def test_energy_reference_follows_the_isolated_atom():
    """The decision rule: zero free-atom energy, EMT, or the setting; anything else is not trusted."""
    e_emt = isolated_atom_energy("Cu", EMT())
    assert e_emt > 3.0 and energy_reference(EMT(), e_emt)[0]  # EMT's free-atom energy is a parameter
    shifted = ShiftedEMT(-e_emt)
    assert abs(isolated_atom_energy("Cu", shifted)) < 1e-9 and energy_reference(shifted, 0.0)[0]
    ok, why = energy_reference(ShiftedEMT(-2.0), e_emt - 2.0)
    assert not ok and "not a cohesive energy" in why
    assert energy_reference(ShiftedEMT(-2.0), e_emt - 2.0, "isolated_atoms")[0]


@pytest.mark.lammps
def test_unreferenced_cohesive_energy_is_not_compared_nor_drawn(tmp_path):
    """Ta06A SNAP was fitted to DFT totals: its isolated atom has −8.37 eV and E_atom − E_bulk = 3.5 eV
    (experiment 8.1 eV); the report says so instead of printing −57 %, and the radar chart leaves it out."""
    from atomforge.lammps.pair import builtin_pair

    calc = builtin_pair("Ta06A").calculator()
    doc = validate(calc, "Ta", "bcc", out=tmp_path, properties=["lattice", "elastic"], reference="builtin",
                   progress=False)
    lat, e_coh = doc["properties"]["lattice"], doc["summary"]["E_coh"]
    assert lat["isolated_atom_energy"]["value"] == pytest.approx(isolated_atom_energy("Ta", calc), abs=1e-9)
    assert lat["isolated_atom_energy"]["value"] < -8.0
    assert e_coh["meaningful"] is False
    assert e_coh["value"] == pytest.approx(lat["isolated_atom_energy"]["value"] - lat["energy_per_atom"]["value"])
    report = (tmp_path / "report.md").read_text()
    row = next(line for line in report.splitlines() if line.startswith("| E_coh |"))
    assert "%" not in row and "not compared" in row
    assert "is **not** a cohesive energy" in report
    assert "not meaningful" in doc["radar_not_drawn"]["E_coh"] and "E_coh" in report.split("Not in the radar chart")[1]
    assert (tmp_path / "radar.png").stat().st_size > 0
    assert doc["summary"]["C11"].get("meaningful", True)  # only E_coh is affected


def test_report_says_when_the_neb_path_passes_a_lower_vacancy():
    from atomforge.properties.report import markdown_report

    def doc(low):
        return {"potential": "p", "element": "Si", "structure": "diamond", "atomforge_version": "0", "summary": {},
                "timings": {}, "properties": {"migration": {"intermediate_minimum": q(low, "eV")}}}

    assert "escape barrier" in markdown_report(doc(-1.0)) and "1.000 eV below" in markdown_report(doc(-1.0))
    assert "escape barrier" not in markdown_report(doc(0.2))
