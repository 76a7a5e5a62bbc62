"""Materials properties of any ASE calculator: lattice, EOS, elastic constants, defects, surfaces,
stacking faults, polymorphs, phonons, cost and MD stability; the suite, its report and plots.

Every function takes an ASE calculator, so the same code validates atomforge potentials
(``Potential.calculator()``), ASE's EMT, and LAMMPS through ``ase.calculators.lammpslib``.
"""

from .suite import FAMILIES, PROPERTIES, Family, ValidateConfig, run_suite

__all__ = ["FAMILIES", "PROPERTIES", "Family", "ValidateConfig", "eos_comparisons", "run_suite", "validate"]


def validate(calc, element: str, structure: str, *, out=None, name: str = "potential", reference=None,
             others=(), progress: bool = True, **options) -> dict:
    """Run the suite and, when ``out`` is given, write ``result.json``, ``report.md`` and the PNG plots there.

    ``result.json`` and ``report.md`` are rewritten (atomically) after every family, so an
    interrupted or failing run keeps what it finished (``"complete": false``); the plots follow at
    the end.

    Parameters
    ----------
    calc : ase Calculator
    element, structure : str
    out : path, optional
        A folder (created if absent; an existing file there is a ConfigError).
    reference : dict, str or None
        ``{key: value}``, or ``"builtin"`` for :mod:`~atomforge.properties.reference_data`.
    others : list of dict
        Result documents of other potentials to draw in the same radar chart.
    options
        Fields of :class:`ValidateConfig`.
    """
    import json
    from pathlib import Path

    from ..errors import ConfigError
    from ..fileio import write_atomically
    from .plots import write_plots
    from .reference_data import builtin_reference
    from .report import markdown_report

    cfg = ValidateConfig.from_dict({"element": element, "structure": structure, **options})
    if reference == "builtin":
        reference = builtin_reference(element)
    on_update = None
    if out is not None:
        out = Path(out)
        if out.exists() and not out.is_dir():
            raise ConfigError(f"--out {out}: exists and is not a folder; give a folder for result.json, report.md "
                              "and the plots")
        out.mkdir(parents=True, exist_ok=True)

        def on_update(doc, plots=None):
            doc["comparisons"] = eos_comparisons(doc, list(others))
            text = json.dumps(doc, indent=1, ensure_ascii=False)
            write_atomically(out / "result.json", lambda f: f.write(text), mode="w")
            report = markdown_report(doc, plots)
            write_atomically(out / "report.md", lambda f: f.write(report), mode="w")

    doc = run_suite(calc, cfg, name=name, reference=reference, progress=progress, on_update=on_update)
    doc["comparisons"] = eos_comparisons(doc, list(others))
    if out is not None:
        on_update(doc, write_plots(doc, out, list(others)))
    return doc


def eos_comparisons(doc: dict, others: list[dict]) -> dict:
    """Δ gauge (meV/atom) of the document's EOS against each other document's and the reference's.

    The reference takes part when it gives ``V0`` (Å³/atom), ``B`` (GPa) and ``Bp``.
    """
    from ..units import EV_A3_TO_GPA
    from .eos import BirchMurnaghan, delta_gauge

    def bm(d):
        e = d["properties"]["eos"]
        return BirchMurnaghan(e["V0"]["value"], e["E0"]["value"], e["B"]["value"] / EV_A3_TO_GPA, e["Bp"]["value"])

    out = {}
    if "eos" not in doc["properties"]:
        return out
    mine = bm(doc)
    for other in others:
        if "eos" in other.get("properties", {}):
            out[other["potential"]] = {"delta": {"value": delta_gauge(mine, bm(other)), "unit": "meV/atom"}}
    ref = doc.get("reference", {})
    if all(k in ref for k in ("V0", "B", "Bp")):
        theirs = BirchMurnaghan(ref["V0"], 0.0, ref["B"] / EV_A3_TO_GPA, ref["Bp"])
        out["reference"] = {"delta": {"value": delta_gauge(mine, theirs), "unit": "meV/atom"}}
    return out
