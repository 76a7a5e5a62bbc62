"""The ``model`` section of an s-MEAM fit (``model: {name: smeam, ...}``) and its CMA-ES settings."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CMAESSpec(_Section):
    """CMA-ES settings of an s-MEAM fit (see :class:`atomforge.fitting.smeam.cmaes.CMAESConfig`)."""

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
    checkpoint: str | None = Field("cmaes_checkpoint.json",
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

    @model_validator(mode="after")
    def _cutoff_or_init(self):
        if self.init is None and self.cutoff is None:
            raise ValueError("model.cutoff is required for model.name: smeam without model.init")
        return self
