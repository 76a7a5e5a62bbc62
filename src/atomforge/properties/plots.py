"""PNG plots of suite results: EOS, γ-lines, phonons, and a radar chart against a reference.

Uses matplotlib's Agg backend (no display needed). Each function takes result documents of
:func:`atomforge.properties.suite.run_suite` and writes one file, atomically.
"""

from __future__ import annotations

import numpy as np


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path) -> None:
    """Write ``fig`` as PNG to ``path`` through a temporary file, then close it."""
    from ..fileio import write_atomically

    fig.tight_layout()
    write_atomically(path, lambda f: fig.savefig(f, format="png", dpi=120))
    _plt().close(fig)


def plot_eos(doc: dict, path) -> None:
    """E(V) points and the Birch–Murnaghan fit."""
    from ..units import EV_A3_TO_GPA
    from .eos import BirchMurnaghan

    plt = _plt()
    e = doc["properties"]["eos"]
    v, en = np.array(e["volumes"]["value"]), np.array(e["energies"]["value"])
    bm = BirchMurnaghan(e["V0"]["value"], e["E0"]["value"], e["B"]["value"] / EV_A3_TO_GPA, e["Bp"]["value"])
    vv = np.linspace(v.min(), v.max(), 200)
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot(v, en, "o", label="computed")
    ax.plot(vv, bm.energy(vv), "-", label=f"BM3: B = {e['B']['value']:.1f} GPa, B' = {e['Bp']['value']:.2f}")
    ax.set_xlabel("volume (Å³/atom)")
    ax.set_ylabel("energy (eV/atom)")
    ax.set_title(f"{doc['potential']}: {doc['element']} {doc['structure']}")
    ax.legend()
    _save(fig, path)


def plot_gamma_lines(doc: dict, path) -> None:
    """γ(u) for every slip system of the document."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5, 4))
    for system, sec in doc["properties"]["stacking_faults"].items():
        u = np.array(sec["displacement"]["value"])
        plane, direction = system.split("_")
        direction = {"112": "11-2"}.get(direction, direction) if plane == "111" else direction
        line, = ax.plot(u, sec["energy"]["value"], "o-", label=f"({plane})[{direction}]")
        if "refined_displacement" in sec:
            ax.plot(sec["refined_displacement"]["value"], sec["refined_energy"]["value"], ".", color=line.get_color(),
                    ms=3)
            usf = sec["unstable"]
            ax.plot([usf["displacement"]], [usf["value"]], "*", color=line.get_color(), ms=10)
    ax.set_xlabel("displacement (Å)")
    ax.set_ylabel("γ (mJ/m²)")
    ax.set_title(f"{doc['potential']}: generalized stacking-fault energy")
    ax.legend()
    _save(fig, path)


def plot_phonons(doc: dict, path) -> None:
    """Band structure along the standard path with the DOS beside it."""
    plt = _plt()
    ph = doc["properties"]["phonons"]
    x, f = np.array(ph["distances"]["value"]), np.array(ph["frequencies"]["value"])
    fig, (ax, ad) = plt.subplots(1, 2, figsize=(7, 4), sharey=True, gridspec_kw={"width_ratios": [3, 1]})
    ax.plot(x, f, "k-", lw=1)
    ticks = ph["labels"]
    ax.set_xticks([t[0] for t in ticks], [t[1] for t in ticks])
    for t in ticks:
        ax.axvline(t[0], color="0.8", lw=0.5)
    ax.set_xlim(x[0], x[-1])
    ax.set_ylabel("frequency (THz)")
    ad.plot(ph["dos"]["value"], ph["dos_frequencies"]["value"], "k-", lw=1)
    ad.set_xlabel("DOS")
    ax.set_title(f"{doc['potential']}: {doc['element']} {doc['structure']}")
    _save(fig, path)


def radar_points(docs: list[dict], reference: dict) -> tuple[list[str], dict[str, str]]:
    """Keys the radar chart can draw, and {key: why not} for the reference keys it cannot."""
    keys, missing = [], {}
    for k, r in reference.items():
        if not isinstance(r, (int, float)) or r == 0:
            missing[k] = "no nonzero reference value"
            continue
        items = [(d["potential"], d["summary"].get(k)) for d in docs]
        bad = [f"{name}: not meaningful (see the report)" for name, it in items
               if it is not None and it.get("meaningful") is False]
        bad += [f"{name}: value/reference = {it['value'] / r:.3g} < 0" for name, it in items
                if it is not None and it.get("meaningful") is not False and it["value"] / r < 0]
        if all(it is None for _, it in items):
            missing[k] = "not computed"
        elif bad:
            missing[k] = "; ".join(bad)
        else:
            keys.append(k)
    return keys, missing


def plot_radar(docs: list[dict], reference: dict, path) -> tuple[bool, dict[str, str]]:
    """Each property relative to the reference (1 = equal) for several potentials, as in the s-MEAM paper.

    Returns whether it wrote the file (it needs three drawable keys) and {key: reason} for the
    reference values it could not draw (also written under the chart).
    """
    keys, missing = radar_points(docs, reference)
    if len(keys) < 3:
        return False, missing
    plt = _plt()
    ang = np.linspace(0, 2 * np.pi, len(keys), endpoint=False)
    fig, ax = plt.subplots(figsize=(6, 6.6), subplot_kw={"polar": True})
    ax.plot(np.append(ang, ang[0]), np.ones(len(keys) + 1), "k--", lw=1, label="reference")
    ratios = []
    for d in docs:
        r = [d["summary"][k]["value"] / reference[k] if k in d["summary"] else np.nan for k in keys]
        ratios += r
        ax.plot(np.append(ang, ang[0]), np.append(r, r[0]), "o-", label=d["potential"])
    ax.set_xticks(ang, keys)
    ax.set_ylim(0, max(1.5, np.nanmax(ratios) * 1.1))
    ax.legend(loc="upper right", bbox_to_anchor=(1.3, 1.1))
    ax.set_title("property / reference")
    if missing:
        text = "not drawn: " + ", ".join(f"{k} ({why})" for k, why in missing.items())
        fig.text(0.02, 0.01, text, fontsize=7, wrap=True, va="bottom")
    _save(fig, path)
    return True, missing


def write_plots(doc: dict, out, others: list[dict] = ()) -> dict[str, str]:
    """Write every plot the document has data for into folder ``out``; returns {name: file name}.

    The radar chart's undrawn points go to ``doc["radar_not_drawn"]`` ({key: reason}).
    """
    from pathlib import Path

    out = Path(out)
    made = {}
    props = {k: v for k, v in doc["properties"].items() if "error" not in v}
    if "eos" in props:
        plot_eos(doc, out / "eos.png")
        made["EOS"] = "eos.png"
    if "stacking_faults" in props:
        plot_gamma_lines(doc, out / "gamma_lines.png")
        made["γ-lines"] = "gamma_lines.png"
    if "phonons" in props:
        plot_phonons(doc, out / "phonons.png")
        made["phonons"] = "phonons.png"
    if doc.get("reference"):
        drawn, doc["radar_not_drawn"] = plot_radar([doc, *others], doc["reference"], out / "radar.png")
        if drawn:
            made["radar"] = "radar.png"
    return made
