"""The typed configuration of ``atomforge fit``: one YAML file, validated by pydantic.

An unknown or misspelled key is a :class:`~atomforge.errors.ConfigError` that names the key, the
section it is in, the nearest allowed key and all allowed keys. Paths in ``data`` may contain
``{data_dir}``, replaced by :func:`atomforge.paths.data_dir` (``$ATOMFORGE_DATA`` overrides it),
and are relative to the folder of the YAML file.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError, model_validator

from ..errors import ConfigError


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


class DescriptorSpec(_Section):
    """The bispectrum, with the keywords of a LAMMPS .snapparam file."""

    name: Literal["snap"] = "snap"
    twojmax: int = Field(description="Twice the largest angular momentum.", ge=0)
    rcutfac: float = Field(description="Cutoff scale, Å: cutoff = rcutfac·(R_i + R_j).", gt=0)
    rfac0: float = Field(0.99363, gt=0, le=1)
    rmin0: float = Field(0.0, ge=0, description="Å")
    radii: dict[str, float] = Field(default_factory=dict, description="R_j per element (default 0.5).")
    weights: dict[str, float] = Field(default_factory=dict, description="w_j per element (default 1.0).")
    switchflag: Literal[0, 1] = 1
    bzeroflag: Literal[0, 1] = 0


class ModelSpec(_Section):
    name: Literal["linear", "quadratic"] = Field("linear", description="linear = SNAP, quadratic = qSNAP.")


class CMAESSpec(_Section):
    """CMA-ES settings of an s-MEAM fit (see :class:`atomforge.fitting.cmaes.CMAESConfig`)."""

    population: int | None = Field(None, ge=2, description="Population size (default: 4 + 3 ln n).")
    sigma0: float = Field(0.05, gt=0, description="Initial step size, in knot-value units.")
    generations: int = Field(200, ge=1, description="Generations per run.")
    restarts: int = Field(0, ge=0, description="Restarts from the best point, with a larger population.")
    polish: bool = Field(False, description="Polish the best point afterwards by Levenberg–Marquardt least "
                                            "squares on the weighted energy, force and stress RMSEs.")
    polish_iterations: int = Field(200, ge=1, description="Most residual evaluations of the polish.")
    starts: int = Field(1, ge=1, description="CMA-ES runs with seeds seed, seed+1, ...; with more than one, each is "
                                             "fitted (and polished) on the training frames not held out, the best "
                                             "on the held-out ones is kept and polished on all frames.")
    validation_every: int = Field(5, ge=2, description="With starts > 1: every n-th training frame is held out to "
                                                       "choose among the starts.")
    checkpoint: str | None = Field("cmaes_checkpoint.pkl",
                                   description="Checkpoint file, relative to the folder of output.potential "
                                               "(null: none); an interrupted fit resumes from it.")
    checkpoint_every: int = Field(10, ge=1, description="Generations between checkpoints.")
    u_penalty: float = Field(10.0, ge=0, description="Weight of densities outside U's knot range.")
    u_curvature: float = Field(1e-4, ge=0, description="Weight of the RMS second derivative of U over its knots "
                                                      "(keeps U smooth where no training density falls).")
    seed: int = 0


class SMEAMSpec(_Section):
    """A spline-MEAM model fitted with CMA-ES (Vita & Trinkle 2021)."""

    name: Literal["smeam"]
    variant: Literal["pair", "eam", "ffg", "smeam"] = Field(
        "smeam", description="pair = φ; eam = φ, ρ, U; ffg = φ, U, f, g; smeam = all.")
    elements: list[str] | None = Field(None, description="Elements (default: species, or the training data).")
    init: str | None = Field(None, description="LAMMPS .meam.spline file whose knots start the fit "
                                               "(relative to the YAML file; may contain {data_dir}).")
    cutoff: float | None = Field(None, gt=0, description="Å; last knot of φ, ρ, f (required without init).")
    r_min: float | None = Field(None, gt=0, description="Å; first knot of φ, ρ, f (default 0.5·cutoff).")
    n_knots: int = Field(7, ge=3, description="Knots per spline (without init).")
    u_range: tuple[float, float] = Field((-1.0, 1.0), description="Density range of U's knots (without init).")
    forces_per_frame: int | None = Field(8, ge=0, description="Atoms per frame whose forces are fitted "
                                                              "(null: all).")
    cmaes: CMAESSpec = Field(default_factory=CMAESSpec)


def _model_tag(value) -> str:
    name = value.get("name") if isinstance(value, dict) else getattr(value, "name", None)
    return "smeam" if name == "smeam" else "snap"


class WeightsSpec(_Section):
    energy: float = Field(1.0, ge=0, description="Weight of energy-per-atom rows, atom/eV.")
    force: float = Field(1.0, ge=0, description="Weight of force rows, Å/eV.")
    stress: float = Field(0.0, ge=0, description="Weight of stress rows, 1/GPa (0: not fitted).")
    groups: dict[str, float | dict[str, float]] = Field(
        default_factory=dict, description="Multiplier per group: a number, or {energy, force, stress}.")


class SolverSpec(_Section):
    ridge: float = Field(0.0, ge=0, description="Ridge λ relative to the squared column norms.")
    rcond: float = Field(1e-12, gt=0, description="Relative singular-value cutoff.")
    loss: Literal["squared", "absolute"] = Field(
        "squared", description="Weighted least squares, or least absolute deviations (fits the MAE; IRLS).")
    max_iter: int = Field(50, ge=1, description="Reweighting iterations of the absolute loss (at most).")


class ZBLSpec(_Section):
    inner: float = Field(description="Å")
    outer: float = Field(description="Å")
    z: dict[str, float] = Field(default_factory=dict, description="Nuclear charge per element (default Z).")


class OutputSpec(_Section):
    potential: str = Field("potential.atomforge", description="Potential file (relative to the YAML file).")
    report: str = Field("fit_report.json", description="Fit report (JSON).")
    lammps: str | None = Field(None, description="Folder for LAMMPS files (optional).")


class FitConfig(_Section):
    """Everything ``atomforge fit`` needs."""

    species: list[str] | None = Field(None, description="Elements (default: those in the training data).")
    data: DataSpec
    descriptor: DescriptorSpec | None = None
    model: Annotated[Union[Annotated[ModelSpec, Tag("snap")], Annotated[SMEAMSpec, Tag("smeam")]],
                     Discriminator(_model_tag)] = Field(default_factory=ModelSpec)
    weights: WeightsSpec = Field(default_factory=WeightsSpec)
    solver: SolverSpec = Field(default_factory=SolverSpec)
    zbl: ZBLSpec | None = None
    output: OutputSpec = Field(default_factory=OutputSpec)

    @model_validator(mode="after")
    def _sections_of_model(self):
        if isinstance(self.model, SMEAMSpec):
            given = [k for k in ("descriptor", "zbl") if getattr(self, k) is not None]
            given += ["solver"] if self.solver != SolverSpec() else []
            if given:
                raise ValueError(f"{', '.join(given)}: not used by the s-MEAM model (model.name: smeam); "
                                 "remove it")
            if self.model.init is None and self.model.cutoff is None:
                raise ValueError("model.cutoff is required for model.name: smeam without model.init")
            if self.species and self.model.elements and list(self.species) != list(self.model.elements):
                raise ValueError(f"species {self.species} and model.elements {self.model.elements} differ")
        elif self.descriptor is None:
            raise ValueError(f"section descriptor is required for model.name: {self.model.name}")
        return self


def _section_model(loc) -> type[BaseModel]:
    """The pydantic model that owns the key at ``loc`` (a pydantic error location)."""
    model: type[BaseModel] = FitConfig
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
        for cand in (ann, *getattr(ann, "__args__", ())):
            tag = next((m.tag for m in getattr(cand, "__metadata__", ()) if isinstance(m, Tag)), None)
            for inner in (cand, *getattr(cand, "__args__", ())):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    if tag is not None:
                        tagged[tag] = inner
                    else:
                        model = inner
                    break
    return model


def parse_config(raw: dict, source: str = "config") -> FitConfig:
    """Validate a dict into a :class:`FitConfig`; raise :class:`ConfigError` naming the bad key."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: expected a mapping of sections at the top level")
    try:
        return FitConfig.model_validate(raw)
    except ValidationError as err:
        lines = []
        for e in err.errors():
            shown = [p for i, p in enumerate(e["loc"]) if not (i == 1 and e["loc"][0] == "model")]
            where = ".".join(str(p) for p in shown)  # without the tag of the model union
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
