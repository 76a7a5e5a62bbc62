"""Fit a SNAP/qSNAP or spline-MEAM potential from a :class:`~atomforge.fitting.config.FitConfig`.

Reads the data, computes descriptors frame by frame (with progress), builds the design matrix,
solves it, and returns the potential with a report. Nothing is written here; the caller writes
the outputs (atomically) so that an interrupted fit leaves no half-written file.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from ..data import Dataset
from ..errors import ConfigError
from .config import DataSource, FitConfig, SMEAMSpec, resolve_path
from .design import DesignMatrix, frame_rows
from .metrics import evaluate
from .weights import FitWeights


@dataclass
class FitResult:
    """The fitted potential and a JSON-safe report (data, settings, timings, errors)."""

    potential: object
    report: dict


def read_sources(sources: list[DataSource], base: Path) -> Dataset:
    """Read and concatenate the data sources of a config."""
    from ..data.io import read_frames

    data = Dataset([], "")
    for src in sources:
        path = resolve_path(src.path, base)
        ds = read_frames(path, format=src.format, **src.options)
        if src.group is not None:
            for f in ds:
                f.group = src.group
        data = data + ds
    return data


def build_potential_parts(config: FitConfig, species: list[str]):
    """The descriptor, the (unfitted) model and the ZBL term of ``config`` for ``species``."""
    from ase.data import atomic_numbers

    from ..descriptors.snap import Bispectrum
    from ..models import make_model
    from ..pairs import ZBL

    d = config.descriptor
    for key in ("radii", "weights"):
        unknown = sorted(set(getattr(d, key)) - set(species))
        if unknown:
            raise ConfigError(f"descriptor.{key}: elements {unknown} are not in the species {species}")
    descriptor = Bispectrum(elements=species, twojmax=d.twojmax, rcutfac=d.rcutfac, rfac0=d.rfac0,
                            rmin0=d.rmin0, radii=[d.radii.get(s, 0.5) for s in species],
                            weights=[d.weights.get(s, 1.0) for s in species],
                            switchflag=d.switchflag, bzeroflag=d.bzeroflag)
    model = make_model({"name": config.model.name, "species": species})
    zbl = None
    if config.zbl is not None:
        z = {s: config.zbl.z.get(s, float(atomic_numbers[s])) for s in species}
        zbl = ZBL(config.zbl.inner, config.zbl.outer, z)
    return descriptor, model, zbl


def fit_dataset(train: Dataset, config: FitConfig, *, progress=None):
    """Fit the potential of ``config`` to ``train``; returns (potential, design info dict).

    ``progress(advance)`` is called once per frame while descriptors are computed.
    """
    from ..models.snap_potential import SNAPPotential

    species = list(config.species) if config.species else train.species
    descriptor, model, zbl = build_potential_parts(config, species)
    w = config.weights
    design = DesignMatrix.for_model(model, descriptor.n_features,
                                    FitWeights(w.energy, w.force, w.stress, dict(w.groups)))
    t0 = time.perf_counter()
    for frame in train:
        out = descriptor.compute(frame, gradients=w.force > 0 or w.stress > 0)
        design.add(frame_rows(model, frame, out, zbl, stress=w.stress > 0))
        if progress is not None:
            progress(1)
    t1 = time.perf_counter()
    s = config.solver
    model.fit(design, ridge=s.ridge, rcond=s.rcond, loss=s.loss, max_iter=s.max_iter)
    t2 = time.perf_counter()
    info = {"n_rows": design.n_rows, "n_columns": design.n_columns,
            "design_mib": design.nbytes / 2**20, "t_descriptors_s": t1 - t0, "t_solve_s": t2 - t1,
            **model.fit_info_}
    potential = SNAPPotential(descriptor, model, zbl,
                              {"fit_config": config.model_dump(mode="json"), "fit": info})
    return potential, info


def fit_from_config(config: FitConfig, base: Path, *, progress_factory=None) -> FitResult:
    """Read the data of ``config``, fit, and evaluate on the training and test sets.

    ``progress_factory(description, total)`` returns a per-frame ``progress(advance)`` callable.
    """
    def bar(desc, total):
        return progress_factory(desc, total) if progress_factory is not None else None

    train = read_sources(config.data.train, base)
    if config.data.test:
        test = read_sources(config.data.test, base)
    elif config.data.test_fraction > 0:
        train, test = train.split(config.data.test_fraction, config.data.seed)
    else:
        test = Dataset([], "")
    if isinstance(config.model, SMEAMSpec):
        from .smeam_fit import fit_smeam

        potential, info = fit_smeam(train, config, base, progress_factory=progress_factory)
    else:
        potential, info = fit_dataset(train, config, progress=bar("descriptors + design matrix", len(train)))
    report = {"species": potential.species, "n_train_frames": len(train), "n_train_atoms": train.n_atoms,
              "n_test_frames": len(test), "n_test_atoms": test.n_atoms, "fit": info,
              "config": config.model_dump(mode="json"),
              "train": evaluate(potential, train, progress=bar("evaluate train", len(train)))}
    if len(test):
        report["test"] = evaluate(potential, test, progress=bar("evaluate test", len(test)))
    potential.metadata["errors"] = {k: report[k] for k in ("train", "test") if k in report}
    return FitResult(potential, report)
