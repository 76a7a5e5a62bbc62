"""Fit any potential from a :class:`~atomforge.fitting.config.FitConfig`: read the data, call the
trainer of the model kind (:mod:`.trainers`), and evaluate on the training and test sets.

Nothing is written here; the caller writes the outputs (atomically) so that an interrupted fit
leaves no half-written file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..data import Dataset
from .config import DataSource, FitConfig, resolve_path
from .metrics import evaluate
from .trainers import trainer_for


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
    """The unfitted :class:`~atomforge.models.DescriptorPotential` of ``config`` for ``species``:
    its descriptor, model and pair term (ZBL), built through the registries."""
    from ase.data import atomic_numbers

    from ..descriptors import make_descriptor
    from ..models import DescriptorPotential, make_model
    from ..pairs import ZBL

    descriptor = make_descriptor({"name": config.descriptor.name, "elements": species, **config.descriptor.params()})
    model = make_model({"name": config.model.name, "species": species, **config.model.params()})
    pair = None
    if config.zbl is not None:
        pair = ZBL(config.zbl.inner, config.zbl.outer,
                   {s: config.zbl.z.get(s, float(atomic_numbers[s])) for s in species})
    return DescriptorPotential(descriptor, model, pair)


def fit_dataset(train: Dataset, config: FitConfig, base: Path | None = None, *, progress_factory=None):
    """Fit the potential of ``config`` to ``train`` with its trainer; returns (potential, info dict).

    The potential's metadata records the configuration and the fit info.
    """
    potential, info = trainer_for(config.model.name)(train, config, base or Path.cwd(),
                                                      progress_factory=progress_factory)
    potential.metadata.update({"fit_config": config.model_dump(mode="json"), "fit": info})
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
    potential, info = fit_dataset(train, config, base, progress_factory=progress_factory)
    report = {"species": potential.species, "n_train_frames": len(train), "n_train_atoms": train.n_atoms,
              "n_test_frames": len(test), "n_test_atoms": test.n_atoms, "fit": info,
              "config": config.model_dump(mode="json"),
              "train": evaluate(potential, train, progress=bar("evaluate train", len(train)))}
    if len(test):
        report["test"] = evaluate(potential, test, progress=bar("evaluate test", len(test)))
    potential.metadata["errors"] = {k: report[k] for k in ("train", "test") if k in report}
    return FitResult(potential, report)
