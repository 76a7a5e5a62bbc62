"""The typed configuration of ``atomforge fit``: one YAML file, validated by pydantic.

An unknown or misspelled key is a :class:`~atomforge.errors.ConfigError` that names the key, the
section it is in, the nearest allowed key and all allowed keys. Paths in ``data`` may contain
``{data_dir}``, replaced by :func:`atomforge.paths.data_dir` (``$ATOMFORGE_DATA`` overrides it),
and are relative to the folder of the YAML file.
"""

from __future__ import annotations

import difflib
import functools
import inspect
from pathlib import Path
from typing import Annotated, Literal, Union

import yaml
from pydantic import (BaseModel, ConfigDict, Discriminator, Field, SerializeAsAny, Tag, ValidationError,
                      create_model, model_validator)

from ..errors import ConfigError
from ..hyperparameters import hyperparameter_types, hyperparameters
from .neural.config import TrainingSpec

_TAGGED = ("descriptor", "model")  # sections validated as discriminated unions over a registry


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DataSource(_Section):
    """One data file (or FitSNAP folder) and how to read it."""

    path: str = Field(description="File or folder; may contain {data_dir}; relative to the YAML file.")
    format: str | None = Field(None, description="Reader name (mlearn, fitsnap, ase or an ase.io format); "
                                                 "default: detected.")
    options: dict = Field(default_factory=dict, description="Reader options, e.g. shear_order.")
    group: str | None = Field(None, description="Group name given to every frame of this source.")


class DataSpec(_Section):
    train: list[DataSource] = Field(description="Training data.")
    test: list[DataSource] = Field(default_factory=list, description="Test data (not used in the fit).")
    test_fraction: float = Field(0.0, ge=0.0, lt=1.0,
                                 description="Fraction of each training group held out when no test data is given.")
    seed: int = Field(0, description="Seed of that split.")


class WeightsSpec(_Section):
    """Weights of energies, forces and stresses; what they multiply depends on the trainer.

    Least squares (linear, quadratic): *row weights* of the weighted residuals (atom/eV, Å/eV,
    1/GPa; :class:`atomforge.fitting.weights.FitWeights`). s-MEAM (CMA-ES): *MAE multipliers* of
    the objective ``energy·MAE_E + force·MAE_F + stress·MAE_σ`` (:func:`atomforge.fitting.smeam.
    trainer.objective_weights`).
    """

    energy: float = Field(1.0, ge=0, description="Energy per atom: row weight (atom/eV) or MAE multiplier.")
    force: float = Field(1.0, ge=0, description="Force components: row weight (Å/eV) or MAE multiplier.")
    stress: float = Field(0.0, ge=0, description="Stress (GPa): row weight (1/GPa) or MAE multiplier; 0: not fitted.")
    groups: dict[str, float | dict[str, float]] = Field(
        default_factory=dict, description="Multiplier per group: a number, or {energy, force, stress}.")


class SolverSpec(_Section):
    ridge: Annotated[float, Field(ge=0)] | Literal["bayesian"] = Field(
        0.0, description="Ridge λ relative to the squared column norms, or 'bayesian': λ chosen by "
                         "maximising the evidence (Bayesian ridge; squared loss only).")
    rcond: float = Field(1e-12, gt=0, description="Relative singular-value cutoff.")
    loss: Literal["squared", "absolute"] = Field(
        "squared", description="Weighted least squares, or least absolute deviations (fits the MAE; IRLS).")
    max_iter: int = Field(50, ge=1, description="At most: reweighting iterations of the absolute loss, or "
                                                "L-BFGS iterations of the finnis_sinclair trainer.")
    force_fraction: float = Field(1.0, gt=0, le=1, description="finnis_sinclair trainer: fraction of each "
                                  "frame's atoms whose forces the nonlinear fit uses (memory).")


class ZBLSpec(_Section):
    inner: float = Field(description="Å")
    outer: float = Field(description="Å")
    z: dict[str, float] = Field(default_factory=dict, description="Nuclear charge per element (default Z).")


class OutputSpec(_Section):
    potential: str = Field("potential.atomforge", description="Potential file (relative to the YAML file).")
    report: str = Field("fit_report.json", description="Fit report (JSON).")
    lammps: str | None = Field(None, description="Folder for LAMMPS files (optional).")


class FitConfig(_Section):
    """Everything ``atomforge fit`` needs.

    ``descriptor`` and ``model`` are validated against the sections of the registered descriptors
    (:data:`atomforge.descriptors.DESCRIPTORS`) and model kinds (:func:`model_kinds`): each
    section's keys are its class's constructor hyperparameters (:func:`class_section`), or a trainer's
    own schema (s-MEAM). :func:`parse_config` builds the validating subclass from the registries of
    the moment, so a class registered at run time is configurable at once.
    """

    species: list[str] | None = Field(None, description="Elements (default: those in the training data).")
    data: DataSpec
    descriptor: SerializeAsAny[BaseModel] | None = None
    model: SerializeAsAny[BaseModel]
    weights: WeightsSpec = Field(default_factory=WeightsSpec)
    solver: SolverSpec = Field(default_factory=SolverSpec)
    zbl: ZBLSpec | None = None
    training: TrainingSpec | None = Field(None, description="Gradient training (model.name: nn); "
                                                            "default: TrainingSpec's defaults.")
    output: OutputSpec = Field(default_factory=OutputSpec)

    @model_validator(mode="after")
    def _sections_of_model(self):
        from .trainers import trainer_for

        name = self.model.name
        trainer = trainer_for(name)
        given = [k for k in ("descriptor", "zbl", "training") if getattr(self, k) is not None]
        given += ["solver"] if self.solver != SolverSpec() else []
        unused = [k for k in given if k not in trainer.uses]
        if unused:
            raise ValueError(f"{', '.join(unused)}: not used by the {trainer.title} model (model.name: {name}); "
                             "remove it")
        if "descriptor" in trainer.uses and self.descriptor is None:
            raise ValueError(f"section descriptor is required for model.name: {name}")
        return self


@functools.lru_cache(maxsize=None)
def class_section(cls, name: str, skip: tuple[str, ...]) -> type[BaseModel]:
    """The config section of a registered class: ``name`` plus its constructor hyperparameters
    (:mod:`atomforge.hyperparameters`) except ``skip``, typed by their annotations, with their defaults."""
    fields = {"name": (Literal[name], name)}
    types = hyperparameter_types(cls)
    for key, param in hyperparameters(cls).items():
        if key in skip:
            continue
        default = ... if param.default is inspect.Parameter.empty else param.default
        default = list(default) if isinstance(default, tuple) else default  # tuple defaults of list settings
        fields[key] = (types[key], default)
    return create_model(f"{cls.__name__}Section", __base__=_ClassSection, **fields)


class _ClassSection(_Section):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    def params(self) -> dict:
        """The hyperparameters (everything but ``name``) as given or defaulted."""
        return {k: getattr(self, k) for k in type(self).model_fields if k != "name"}


def model_kinds() -> dict[str, type[BaseModel]]:
    """Config name → section schema of every model kind: descriptor models (``MODELS``) and
    trainers with a section of their own (s-MEAM)."""
    from ..models import MODELS
    from .trainers import TRAINERS

    kinds = {name: class_section(cls, name, ("species",)) for name, cls in MODELS.items()}
    kinds.update({name: t.section for name, t in TRAINERS.items() if t.section is not None})
    return kinds


def _tagged_union(schemas: dict[str, type[BaseModel]], default: str):
    members = [Annotated[schema, Tag(name)] for name, schema in schemas.items()]

    def tag(value):
        name = value.get("name", default) if isinstance(value, dict) else getattr(value, "name", None)
        return name if name in schemas else None

    return Annotated[Union[tuple(members)], Discriminator(tag, custom_error_type="unknown_name",
                                                          custom_error_message=f"unknown name; known: "
                                                                               f"{', '.join(schemas)}")]


_CLASSES: dict = {}


def fit_config_class() -> type[FitConfig]:
    """The :class:`FitConfig` subclass that validates against the registries as they are now."""
    from ..descriptors import DESCRIPTORS

    kinds = model_kinds()
    key = (tuple(DESCRIPTORS.items()), tuple((k, id(v)) for k, v in kinds.items()))
    if key not in _CLASSES:
        descriptors = {name: class_section(cls, name, ("elements",)) for name, cls in DESCRIPTORS.items()}
        _CLASSES[key] = create_model(
            "FitConfig", __base__=FitConfig,
            descriptor=(_tagged_union(descriptors, "snap") | None, None),
            model=(_tagged_union(kinds, "linear"), Field(default_factory=lambda: kinds["linear"]())))
    return _CLASSES[key]


def _section_model(loc) -> type[BaseModel]:
    """The pydantic model that owns the key at ``loc`` (a pydantic error location)."""
    model: type[BaseModel] = fit_config_class()
    tagged: dict[str, type[BaseModel]] = {}
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if part in tagged:  # the tag of a discriminated union
            model, tagged = tagged[part], {}
            continue
        field = model.model_fields.get(part)
        if field is None:
            break
        ann = field.annotation
        found = None
        for cand in _flatten(ann):
            tag = next((m.tag for m in getattr(cand, "__metadata__", ()) if isinstance(m, Tag)), None)
            inner = next((t for t in _flatten(cand) if isinstance(t, type) and issubclass(t, BaseModel)), None)
            if inner is None:
                continue
            if tag is not None:
                tagged[tag] = inner
            elif found is None:
                found = inner
        if found is not None and not tagged:
            model = found
    return model


def _flatten(ann):
    """``ann`` and every type inside its Union/Annotated/Optional wrappers."""
    out = [ann]
    for arg in getattr(ann, "__args__", ()) or ():
        out += _flatten(arg)
    if hasattr(ann, "__origin__") and getattr(ann, "__metadata__", None) is not None:
        out += _flatten(ann.__origin__)
    return out


def parse_config(raw: dict, source: str = "config") -> FitConfig:
    """Validate a dict into a :class:`FitConfig`; raise :class:`ConfigError` naming the bad key."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: expected a mapping of sections at the top level")
    try:
        return fit_config_class().model_validate(raw)
    except ValidationError as err:
        lines = []
        for e in err.errors():
            shown = [p for i, p in enumerate(e["loc"]) if not (i == 1 and e["loc"][0] in _TAGGED)]
            where = ".".join(str(p) for p in shown)  # without the tag of the descriptor/model union
            if e["type"] == "extra_forbidden":
                key = str(e["loc"][-1])
                allowed = list(_section_model(e["loc"]).model_fields)
                near = difflib.get_close_matches(key, allowed, n=1)
                hint = f" Did you mean {near[0]!r}?" if near else ""
                lines.append(f"unknown key {where!r}.{hint} Allowed keys here: {', '.join(allowed)}")
            else:
                lines.append(f"{where}: {e['msg']} (got {e.get('input')!r})" if where
                             else e["msg"].removeprefix("Value error, "))
        raise ConfigError(f"{source}: " + "; ".join(lines)) from None


def load_config(path: str | Path) -> tuple[FitConfig, Path]:
    """Read and validate a YAML fit configuration; returns the config and the YAML's folder."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text())
    except OSError as err:
        raise ConfigError(f"{path}: cannot read ({err})") from err
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML ({err})") from err
    return parse_config(raw, str(path)), path.resolve().parent


def resolve_path(text: str, base: Path) -> Path:
    """Expand ``{data_dir}`` and make ``text`` absolute relative to ``base``."""
    from ..paths import data_dir

    p = Path(text.replace("{data_dir}", str(data_dir()))).expanduser()
    return p if p.is_absolute() else base / p
