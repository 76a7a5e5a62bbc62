"""Markdown report of a suite result document (see :func:`atomforge.properties.suite.run_suite`)."""

from __future__ import annotations


def _fmt(v) -> str:
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, (int, float)):
        return f"{v:.6g}"
    return str(v)


def _comparison(key: str, item: dict, ref: dict) -> tuple[str, str]:
    """(reference column, difference column) of one summary row."""
    r = ref.get(key)
    if item.get("meaningful") is False:
        return (_fmt(r) if r is not None else ""), "not compared: not a cohesive energy (see Details)"
    if r is None:
        return "", ""
    if isinstance(item["value"], (int, float)) and not isinstance(item["value"], bool) and r != 0:
        return _fmt(r), f"{100 * (item['value'] - r) / abs(r):+.1f} %"
    return _fmt(r), ""


def _series(lines: list[str], title: str, sec: dict, key: str, symbol: str) -> None:
    """A convergence table and its verdict."""
    item = sec[key]
    lines += [f"{title}, supercell convergence:", "", f"| supercell | atoms | {symbol} (eV) |", "|---|---|---|"]
    lines += [f"| {'×'.join(map(str, r['supercell']))} | {r['n_atoms']} | {r['value']:.4f} |" for r in sec["convergence"]]
    verdict = "converged" if item["converged"] else "**NOT CONVERGED**"
    extra = ""
    if item.get("difference") is not None:
        extra = (f": last two sizes differ by {1000 * item['difference']:+.1f} meV; estimated distance from the "
                 f"large-cell limit {1000 * item['error_estimate']:.1f} meV (1/N law; extrapolated "
                 f"{sec['extrapolated']['value']:.4f} eV)")
    lines += ["", f"{verdict} (tolerance {1000 * item['tolerance']:g} meV){extra}. {item['note']}.", ""]


def markdown_report(doc: dict, plots: dict[str, str] | None = None) -> str:
    """The report: summary table against the reference, per-property details, timings, plots."""
    ref = doc.get("reference", {})
    cfg = doc.get("config", {})
    lines = [f"# Validation of {doc['potential']}: {doc['element']} {doc['structure']}", "",
             f"atomforge {doc['atomforge_version']}. All values at 0 K unless stated.", ""]
    if cfg.get("quick"):
        lines += ["> **Quick run** (`--quick`): small supercells and short runs, a smoke test. Defect energies, "
                  "surface energies and MD are **not converged**; run without `--quick` for numbers to quote.", ""]
    if not doc.get("complete", True):
        lines += ["> **Incomplete**: the run stopped before every family had run; what finished is below.", ""]
    lines += ["## Summary", "", "| property | value | unit | reference | difference |", "|---|---|---|---|---|"]
    for key, item in doc["summary"].items():
        r, diff = _comparison(key, item, ref)
        flag = " (not converged)" if item.get("converged") is False else ""
        lines.append(f"| {key} | {_fmt(item['value'])}{flag} | {item['unit']} | {r} | {diff} |")
    if doc.get("comparisons"):
        lines += ["", "Δ gauge of the EOS (RMS energy difference over V0 ± 6 %, minima aligned):", "",
                  "| against | Δ (meV/atom) |", "|---|---|"]
        lines += [f"| {k} | {v['delta']['value']:.3f} |" for k, v in doc["comparisons"].items()]
    props = doc["properties"]
    lines += ["", "## Details", ""]
    lat = props.get("lattice", {})
    if "cohesive_energy" in lat:
        c = lat["cohesive_energy"]
        what = "is" if c.get("meaningful", True) else "is **not**"
        lines += [f"E_coh = E(isolated atom) − E(crystal) per atom = {c['value']:.4f} eV/atom {what} a cohesive "
                  f"energy: {c.get('note', '')}.", ""]
    for fam, key, title, symbol in (("vacancy", "Evf", "Vacancy formation energy", "Evf"),
                                    ("migration", "Evm", "Vacancy migration energy (climbing-image NEB)", "Evm"),
                                    ("interstitial", "Eif", "Self-interstitial formation energy", "Eif")):
        if fam in props and key in props[fam]:
            _series(lines, title, props[fam], key, symbol)
    low = props.get("migration", {}).get("intermediate_minimum", {}).get("value", 0.0)
    if low < -0.01:
        lines += [f"The NEB path passes a minimum {-low:.3f} eV below the simple vacancy: that vacancy is not the "
                  "stable one (Tersoff Si: the split vacancy), and Evm is only its escape barrier.", ""]
    if "surfaces" in props and "error" not in props["surfaces"]:
        lines += ["Surface energies (J/m²), slab-thickness convergence:", "", "| face | layers | atoms | relaxed | unrelaxed |",
                  "|---|---|---|---|---|"]
        for face, sec in props["surfaces"].items():
            lines += [f"| ({face}) | {r['layers']} | {r['n_atoms']} | {r['value']:.4f} | {r['unrelaxed']:.4f} |"
                      for r in sec["convergence"]]
        lines.append("")
    if "stacking_faults" in props and "error" not in props["stacking_faults"]:
        lines += ["Unstable stacking-fault energies: the maximum of the relaxed γ-line (a bounded search around "
                  "the largest of the evenly spaced samples):", "", "| slip system | γ_usf (mJ/m²) | at u (Å) | "
                  "largest sample (mJ/m²) |", "|---|---|---|---|"]
        for system, sec in props["stacking_faults"].items():
            u = sec["unstable"]
            lines.append(f"| {system} | {u['value']:.2f} | {u['displacement']:.4f} | {max(sec['energy']['value']):.2f} |")
        lines.append("")
    if "elastic" in props and "C" in props["elastic"]:
        c = props["elastic"]["C"]["value"]
        lines += ["Elastic matrix (GPa), relaxed ions:", "", "```"] + ["  ".join(f"{x:9.2f}" for x in row) for row in c]
        lines += ["```", ""]
    if "cost" in props and "skipped" in props["cost"].get("lammps", {}):
        lines += [f"Native LAMMPS cost not measured: {props['cost']['lammps']['skipped']}.", ""]
    if "md" in props and "error" not in props["md"]:
        m = props["md"]
        flag = "atoms came closer than the threshold" if m["too_close"] else "no close contacts"
        lines += [f"MD at {m['temperature']['value']} K on {m['n_atoms']} atoms: {flag} "
                  f"(closest {m['min_distance']['value']:.3f} Å); NVE drift {m['nve_drift']['value']:.3g} meV/atom/ps.", ""]
    failed = {k: v["error"] for k, v in props.items() if "error" in v}
    if failed:
        lines += ["Failed:", ""] + [f"- {k}: {msg}" for k, msg in failed.items()] + [""]
    if doc.get("skipped"):
        lines += ["Skipped:", ""] + [f"- {k}: {msg}" for k, msg in doc["skipped"].items()] + [""]
    if doc.get("radar_not_drawn"):
        lines += ["Not in the radar chart:", ""] + [f"- {k}: {why}" for k, why in doc["radar_not_drawn"].items()] + [""]
    lines += ["## Timings", "", "| property | s |", "|---|---|"]
    lines += [f"| {k} | {v['value']:.2f} |" for k, v in doc["timings"].items()]
    if plots:
        lines += ["", "## Plots", ""] + [f"![{k}]({v})" for k, v in plots.items()]
    return "\n".join(lines) + "\n"
