"""LAMMPS ML-IAP files of a descriptor potential: ``pair_style mliap model ... descriptor ...``.

Three files per potential ``name`` (LAMMPS ``src/ML-IAP``):

* ``name.mliap.descriptor``: ``keyword value`` lines; ``descriptor so3`` (rcutfac, nmax, lmax,
  alpha) or ``descriptor sna`` (rcutfac, twojmax, rfac0, rmin0, switchflag, bzeroflag), then
  ``nelems``, ``elems``, ``radelems``, ``welems``, one value per element.
* ``name.mliap.model``: after comment lines, ``n_elements n_params``, then the n_params
  coefficients of each element, one per line: β0, the β_k, and for ``model quadratic`` the γ_kl
  (k ≤ l, row-major, LAMMPS multiplies the diagonal ones by ½). This is the order of
  :attr:`atomforge.models.linear.LinearModel.coef_`, so rows are written unchanged. A neural
  network gets ``model nn`` (:mod:`.mliap_nn`).
* ``name.mliap``: the ``pair_style``/``pair_coeff`` lines (file names relative to the folder), with
  ``hybrid/overlay zbl`` when the potential has a ZBL core.

LAMMPS ML-IAP so3 stores the element weights in an ``int`` (``mliap_so3.cpp``), so a weight of 0.63
becomes 0: only whole-number weights are exported. Atom types 1..n are ``model.species`` in order.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from ..fileio import write_atomically


def _per_species(descriptor, key: str, species: list[str]) -> list[float]:
    index = {s: k for k, s in enumerate(descriptor.elements)}
    missing = [s for s in species if s not in index]
    if missing:
        raise ConfigError(f"model species {missing} are not among the descriptor elements "
                          f"{descriptor.elements}")
    return [float(getattr(descriptor, key)[index[s]]) for s in species]


def descriptor_file(descriptor, species: list[str]) -> tuple[str, str]:
    """The ML-IAP descriptor style (``so3`` or ``sna``) and the text of its file.

    Raises
    ------
    ConfigError
        For a descriptor LAMMPS ML-IAP has no form of, non-integer so3 weights, or a bispectrum
        with its quadratic products appended (use a quadratic model instead).
    """
    name = getattr(descriptor, "name", type(descriptor).__name__)
    radii = _per_species(descriptor, "radii", species)
    weights = _per_species(descriptor, "weights", species)
    out = io.StringIO()
    out.write(f"# LAMMPS ML-IAP descriptor written by atomforge ({name})\n\n")
    if name == "so3":
        style = "so3"
        if not all(w.is_integer() for w in weights):
            raise ConfigError(f"LAMMPS ML-IAP so3 reads element weights as integers (it would truncate "
                              f"{weights}); use whole-number weights to export this potential")
        out.write(f"rcutfac {float(descriptor.rcutfac)!r}\nnmax {int(descriptor.nmax)}\n"
                  f"lmax {int(descriptor.lmax)}\nalpha {float(descriptor.alpha)!r}\n")
        weight_text = " ".join(str(int(w)) for w in weights)
    elif name == "snap":
        style = "sna"
        if descriptor.quadratic:
            raise ConfigError("LAMMPS ML-IAP sna has no quadratic products in the descriptor; fit a "
                              "quadratic model on the plain bispectrum (quadratic: false) instead")
        out.write(f"rcutfac {float(descriptor.rcutfac)!r}\ntwojmax {int(descriptor.twojmax)}\n"
                  f"rfac0 {float(descriptor.rfac0)!r}\nrmin0 {float(descriptor.rmin0)!r}\n"
                  f"switchflag {int(descriptor.switchflag)}\nbzeroflag {int(descriptor.bzeroflag)}\n")
        weight_text = " ".join(repr(w) for w in weights)
    else:
        raise ConfigError(f"LAMMPS ML-IAP has no descriptor '{name}' (it has so3 and sna); "
                          "use the ASE calculator of the atomforge potential instead")
    out.write(f"\nnelems {len(species)}\nelems {' '.join(species)}\n"
              f"radelems {' '.join(repr(r) for r in radii)}\nwelems {weight_text}\n")
    return style, out.getvalue()


def model_file(model) -> tuple[str, str]:
    """The ML-IAP model style (``linear``, ``quadratic`` or ``nn``) and the text of its coefficient file."""
    if model.name == "nn":
        from .mliap_nn import nn_model_file

        return nn_model_file(model)
    model._check_fitted()
    coef = np.asarray(model.coef_, dtype=float)                     # (n_species, 1 + n_terms)
    style = "quadratic" if model.quadratic else "linear"
    out = io.StringIO()
    out.write(f"# LAMMPS ML-IAP {style} model written by atomforge; elements {' '.join(model.species)}\n"
              f"# n_elements n_params\n{coef.shape[0]} {coef.shape[1]}\n")
    out.writelines(f"{float(c)!r}\n" for c in coef.ravel())
    return style, out.getvalue()


def pair_lines(potential, model_style: str, model_path: str, descriptor_style: str,
               descriptor_path: str) -> list[str]:
    """``pair_style``/``pair_coeff`` lines; types 1..n are ``potential.model.species``."""
    species = list(potential.model.species)
    mliap = f"mliap model {model_style} {model_path} descriptor {descriptor_style} {descriptor_path}"
    zbl = potential.pair
    if zbl is None:
        return [f"pair_style {mliap}", f"pair_coeff * * {' '.join(species)}"]
    z = zbl.z
    lines = [f"pair_style hybrid/overlay zbl {float(zbl.inner)!r} {float(zbl.outer)!r} {mliap}"]
    for a, sa in enumerate(species):
        for b in range(a, len(species)):
            lines.append(f"pair_coeff {a + 1} {b + 1} zbl {float(z[sa])!r} {float(z[species[b]])!r}")
    lines.append(f"pair_coeff * * mliap {' '.join(species)}")
    return lines


def write_mliap(potential, folder: str | Path, name: str = "atomforge") -> dict:
    """Write ``potential`` as LAMMPS ML-IAP files into ``folder`` (created if absent).

    Parameters
    ----------
    potential
        Has ``.descriptor`` (a :class:`~atomforge.descriptors.so3.PowerSpectrumSO3` or a plain
        :class:`~atomforge.descriptors.snap.Bispectrum`), a fitted ``.model``
        (:class:`~atomforge.models.linear.LinearModel`, ``QuadraticModel`` or
        ``NeuralNetworkModel``) and optionally
        ``.pair`` (:class:`~atomforge.pairs.zbl.ZBL`): a :class:`~atomforge.models.DescriptorPotential`.
    folder : path
    name : str
        Base name of the files.

    Returns
    -------
    dict
        ``files``: the model, descriptor and include file paths; ``pair_lines``: the LAMMPS commands
        with absolute file paths (they work from any working directory).
    """
    species = list(potential.model.species)
    descriptor_style, descriptor_text = descriptor_file(potential.descriptor, species)
    model_style, model_text = model_file(potential.model)
    folder = Path(folder).resolve()
    model_path = folder / f"{name}.mliap.model"
    descriptor_path = folder / f"{name}.mliap.descriptor"
    include = folder / f"{name}.mliap"
    relative = pair_lines(potential, model_style, model_path.name, descriptor_style, descriptor_path.name)
    text = (f"# LAMMPS ML-IAP potential written by atomforge; atom types 1..{len(species)} = "
            f"{' '.join(species)}\n" + "\n".join(relative) + "\n")
    for path, content in ((model_path, model_text), (descriptor_path, descriptor_text), (include, text)):
        write_atomically(path, lambda f, c=content: f.write(c.encode()))
    return {"files": [model_path, descriptor_path, include],
            "pair_lines": pair_lines(potential, model_style, str(model_path), descriptor_style,
                                     str(descriptor_path))}
