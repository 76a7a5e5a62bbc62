"""The trainer registry: which procedure fits each kind of model, and which config sections it reads.

A descriptor model class names its trainer (``trainer`` class attribute, e.g. ``"least_squares"``);
a potential fitted whole (s-MEAM) is a trainer of its own name with a ``model`` section schema.
``atomforge fit`` looks the trainer up here and calls it, with no branch per kind:

    fit(train: Dataset, config: FitConfig, base: Path, *, progress_factory=None) -> (Potential, info dict)

``progress_factory(description, total)`` returns a ``progress(advance)`` callable (or is None).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from pydantic import BaseModel

from ..errors import ConfigError
from .smeam.config import SMEAMSpec


@dataclass(frozen=True)
class Trainer:
    """A training procedure.

    Attributes
    ----------
    fit : str
        ``"module:function"`` of the fit function (imported when used).
    title : str
        Its name in messages.
    uses : frozenset of str
        Optional top-level config sections it reads (``descriptor``, ``solver``, ``zbl``); the
        others are refused when given.
    section : pydantic model class, optional
        Schema of the ``model`` section for a trainer that is a model kind itself (s-MEAM).
    """

    fit: str
    title: str
    uses: frozenset = field(default_factory=frozenset)
    section: type[BaseModel] | None = None

    def __call__(self, *args, **kwargs):
        module, func = self.fit.split(":")
        return getattr(importlib.import_module(module), func)(*args, **kwargs)


TRAINERS: dict[str, Trainer] = {
    "least_squares": Trainer("atomforge.fitting.linear.trainer:fit_least_squares_config", "least-squares",
                             frozenset({"descriptor", "solver", "zbl"})),
    "gradient": Trainer("atomforge.fitting.neural.trainer:fit_neural_network", "gradient-trained",
                        frozenset({"descriptor", "zbl", "training"})),
    "finnis_sinclair": Trainer("atomforge.fitting.finnis_sinclair:fit_finnis_sinclair_config",
                               "Finnis–Sinclair (L-BFGS)", frozenset({"descriptor", "solver", "zbl"})),
    "gpr": Trainer("atomforge.fitting.gpr.trainer:fit_gpr", "Gaussian-process", frozenset({"descriptor", "zbl"})),
    "smeam": Trainer("atomforge.fitting.smeam.trainer:fit_smeam", "s-MEAM", frozenset(), SMEAMSpec),
}


def trainer_for(model_name: str) -> Trainer:
    """The trainer of the config's ``model.name``: the one its model class names, or its own."""
    from ..models import MODELS

    if model_name in MODELS:
        return TRAINERS[MODELS[model_name].trainer]
    if model_name in TRAINERS and TRAINERS[model_name].section is not None:
        return TRAINERS[model_name]
    known = sorted(MODELS) + [k for k, t in TRAINERS.items() if t.section is not None]
    raise ConfigError(f"unknown model {model_name!r}; known: {known}")
