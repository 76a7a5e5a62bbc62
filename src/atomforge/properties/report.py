"""Markdown report of a suite result document (see :func:`atomforge.properties.suite.run_suite`)."""

from __future__ import annotations


def _fmt(v) -> str:
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, (int, float)):
        return f"{v:.6g}"
    return str(v)


def markdown_report(doc: dict, plots: dict[str, str] | None = None) -> str:
    """The report: summary table against the reference, per-property details, timings, plots."""
    ref = doc.get("reference", {})
    lines = [f"# Validation of {doc['potential']}: {doc['element']} {doc['structure']}", "",
             f"atomforge {doc['atomforge_version']}. All values at 0 K unless stated.", "",
             "## Summary", "", "| property | value | unit | reference | difference |", "|---|---|---|---|---|"]
    for key, item in doc["summary"].items():
        r = ref.get(key)
        diff = ""
        if r is not None and isinstance(item["value"], (int, float)) and r != 0:
            diff = f"{100 * (item['value'] - r) / abs(r):+.1f} %"
        lines.append(f"| {key} | {_fmt(item['value'])} | {item['unit']} | {_fmt(r) if r is not None else ''} | {diff} |")
    if doc.get("comparisons"):
        lines += ["", "Δ gauge of the EOS (RMS energy difference over V0 ± 6 %, minima aligned):", "",
                  "| against | Δ (meV/atom) |", "|---|---|"]
        lines += [f"| {k} | {v['delta']['value']:.3f} |" for k, v in doc["comparisons"].items()]
    props = doc["properties"]
    lines += ["", "## Details", ""]
    if "vacancy" in props:
        lines += ["Vacancy formation energy, supercell convergence:", "", "| supercell | atoms | Evf (eV) |", "|---|---|---|"]
        lines += [f"| {'×'.join(map(str, r['supercell']))} | {r['n_atoms']} | {r['value']:.4f} |"
                  for r in props["vacancy"]["convergence"]]
        lines.append("")
    if "surfaces" in props:
        lines += ["Surface energies (J/m²), slab-thickness convergence:", "", "| face | layers | atoms | relaxed | unrelaxed |",
                  "|---|---|---|---|---|"]
        for face, sec in props["surfaces"].items():
            lines += [f"| ({face}) | {r['layers']} | {r['n_atoms']} | {r['value']:.4f} | {r['unrelaxed']:.4f} |"
                      for r in sec["convergence"]]
        lines.append("")
    if "elastic" in props:
        c = props["elastic"]["C"]["value"]
        lines += ["Elastic matrix (GPa), relaxed ions:", "", "```"] + ["  ".join(f"{x:9.2f}" for x in row) for row in c]
        lines += ["```", ""]
    if "md" in props:
        m = props["md"]
        flag = "atoms came closer than the threshold" if m["too_close"] else "no close contacts"
        lines += [f"MD at {m['temperature']['value']} K on {m['n_atoms']} atoms: {flag} "
                  f"(closest {m['min_distance']['value']:.3f} Å); NVE drift {m['nve_drift']['value']:.3g} meV/atom/ps.", ""]
    failed = {k: v["error"] for k, v in props.items() if "error" in v}
    if failed:
        lines += ["Not computed:", ""] + [f"- {k}: {msg}" for k, msg in failed.items()] + [""]
    lines += ["## Timings", "", "| property | s |", "|---|---|"]
    lines += [f"| {k} | {v['value']:.2f} |" for k, v in doc["timings"].items()]
    if plots:
        lines += ["", "## Plots", ""] + [f"![{k}]({v})" for k, v in plots.items()]
    return "\n".join(lines) + "\n"
