"""The ``training`` section of a neural-network fit (``model: {name: nn}``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

#: Learning rate of each optimiser when none is given.
DEFAULT_LEARNING_RATES = {"lbfgs": 1.0, "adam": 1e-3, "sgd": 1e-3}


class TrainingSpec(BaseModel):
    """How the networks are trained (:func:`atomforge.fitting.neural.trainer.fit_neural_network`)."""

    model_config = ConfigDict(extra="forbid")

    optimizer: Literal["lbfgs", "adam", "sgd"] = Field(
        "lbfgs", description="L-BFGS on the full batch (one iteration per epoch), or Adam / SGD with "
                             "momentum on mini-batches of structures.")
    epochs: int = Field(200, ge=1, description="Epochs per committee member (at most; see patience).")
    learning_rate: float | None = Field(None, gt=0, description="Initial learning rate (default: lbfgs 1, "
                                                                "adam 1e-3, sgd 1e-3).")
    lr_decay: float = Field(1.0, gt=0, le=1, description="Learning rate × lr_decay after each epoch "
                                                         "(exponential schedule).")
    batch_size: int = Field(8, ge=1, description="Structures per mini-batch (adam, sgd).")
    momentum: float = Field(0.9, ge=0, lt=1, description="SGD momentum.")
    history_size: int = Field(100, ge=1, description="L-BFGS history.")
    regularization: float = Field(1e-6, ge=0, description="L2 coefficient on the network weights (not biases).")
    validation_fraction: float = Field(0.1, ge=0, lt=1, description="Training structures held out for early "
                                                                   "stopping (0: none, train to the last epoch).")
    patience: int = Field(50, ge=1, description="Stop after this many epochs without a better validation "
                                                "loss; the best weights are kept.")
    seed: int = Field(0, description="Seed of the weights, the validation split, batches and bootstrap samples.")
    checkpoint: str | None = Field("nn_checkpoint.npz", description="Checkpoint file, relative to the folder of "
                                                                    "output.potential (null: none); an interrupted "
                                                                    "fit resumes from it.")
    checkpoint_every: int = Field(10, ge=1, description="Epochs between checkpoints.")

    @property
    def lr(self) -> float:
        return self.learning_rate if self.learning_rate is not None else DEFAULT_LEARNING_RATES[self.optimizer]
