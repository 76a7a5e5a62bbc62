"""The gradient path of ``atomforge fit``: neural-network models trained with L-BFGS, Adam or SGD.

Descriptors and their sparse gradients are computed once (:mod:`.data`). The one-body energies E0
are fitted first by least squares on the compositions, the descriptor normalisation is taken from
the training atoms, then each committee member is trained on the loss of :mod:`.loss`:

- ``lbfgs``: one L-BFGS iteration (strong-Wolfe line search) on the full batch per epoch;
- ``adam`` / ``sgd`` (with momentum): one pass over shuffled mini-batches of structures per epoch;
- learning rate ``lr · lr_decay^epoch``; early stopping on a validation split of the training
  structures (the weights of the best validation loss are kept).

Everything random comes from ``training.seed`` (weights, split, batch order, bootstrap samples), so a
fit is deterministic. A checkpoint (:mod:`.checkpoint`) every ``checkpoint_every`` epochs holds the
weights, the optimiser state and the early-stopping state; a fit started again with the same data
and settings resumes from it and ends with the result of an uninterrupted run. The checkpoint is
removed once every member is trained.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np

from ...errors import ConfigError
from ..config import FitConfig, resolve_path
from ..weights import FitWeights
from .checkpoint import read_checkpoint, write_checkpoint
from .config import TrainingSpec
from .data import TrainingArrays


def normalisation(data: TrainingArrays, n_species: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation (n_species, n_features) of each element's training descriptors
    (0 and 1 for an element without atoms; a constant feature gets scale 1)."""
    nf = data.values.shape[1]
    mean, std = np.zeros((n_species, nf)), np.ones((n_species, nf))
    for e in range(n_species):
        rows = data.values[data.elem == e]
        if len(rows):
            mean[e] = rows.mean(0)
            s = rows.std(0)
            std[e] = np.where(s > 1e-12 * max(1.0, float(np.abs(rows).max())), s, 1.0)
    return mean, std


def one_body_energies(data: TrainingArrays) -> np.ndarray:
    """E0 (n_species,) eV: least squares of the structures' energies on their compositions."""
    has = data.weights[:, 0] > 0
    if not has.any():
        return np.zeros(data.counts.shape[1])
    return np.linalg.lstsq(data.counts[has].astype(float), data.energy[has], rcond=None)[0]


def split_structures(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Training and validation structure indices (sorted): ``round(fraction·n)`` held out at random."""
    n_val = int(round(fraction * n)) if fraction > 0 else 0
    n_val = min(n_val, n - 1)
    order = np.random.default_rng([seed, 1]).permutation(n)
    return np.sort(order[n_val:]), np.sort(order[:n_val])


#: Loss evaluations the strong-Wolfe line search of one L-BFGS epoch may use.
LINE_SEARCH_EVALUATIONS = 25


def make_optimizer(spec: TrainingSpec, params):
    import torch

    if spec.optimizer == "lbfgs":
        # torch gives the line search max_eval − 1 evaluations, and max_eval defaults to 5/4 of
        # max_iter: with one iteration per epoch that is none, so a first trial step that raises the
        # loss is dropped (t = 0) and every later epoch repeats it. Give it its usual 25.
        return torch.optim.LBFGS(params, lr=spec.lr, max_iter=1, max_eval=1 + LINE_SEARCH_EVALUATIONS,
                                 history_size=spec.history_size, line_search_fn="strong_wolfe",
                                 tolerance_grad=0.0, tolerance_change=0.0)
    if spec.optimizer == "adam":
        return torch.optim.Adam(params, lr=spec.lr)
    return torch.optim.SGD(params, lr=spec.lr, momentum=spec.momentum)


def train_member(model, data: TrainingArrays, structures: np.ndarray, validation: TrainingArrays | None,
                 spec: TrainingSpec, member: int, start: dict, save=None, progress=None) -> dict:
    """Train committee member ``member`` on ``structures`` of ``data`` from the state ``start``.

    ``start`` holds ``layers`` (list of (W, b) arrays of one member), and when resuming also
    ``optimizer``, ``epoch``, ``best``, ``best_loss``, ``bad_epochs`` and ``history``.
    ``save(state)`` is called every ``spec.checkpoint_every`` epochs. Returns the final state
    (``best`` holds the weights to keep).
    """
    import torch

    from .loss import loss_terms

    params = [torch.nn.Parameter(torch.tensor(a)) for wb in start["layers"] for a in wb]
    layers = [(params[2 * k], params[2 * k + 1]) for k in range(len(params) // 2)]
    opt = make_optimizer(spec, params)
    if "optimizer" in start:
        opt.load_state_dict(start["optimizer"])
    state = {"epoch": start.get("epoch", 0), "best": start.get("best"), "best_loss": start.get("best_loss", np.inf),
             "bad_epochs": start.get("bad_epochs", 0), "history": start.get("history", [])}
    full = data.subset(structures).tensors() if spec.optimizer == "lbfgs" else None
    val = validation.tensors() if validation is not None else None

    last: dict = {}

    def closure():
        """The full-batch loss and its gradient, remembered for the point evaluated last: each
        L-BFGS epoch starts where the previous line search evaluated, so that is not recomputed
        (the values are bitwise those of a recomputation; a resumed run just recomputes once)."""
        x = torch.cat([p.detach().reshape(-1) for p in params])
        if "x" in last and torch.equal(x, last["x"]):
            for p, g in zip(params, last["grads"]):
                p.grad = g.clone()
            return last["loss"]
        opt.zero_grad()
        loss = loss_terms(model, layers, full, spec.regularization)["total"]
        loss.backward()
        last.update(x=x, grads=[p.grad.clone() for p in params], loss=loss.detach())
        return loss

    def snapshot():
        return [(w.detach().numpy().copy(), b.detach().numpy().copy()) for w, b in layers]

    while state["epoch"] < spec.epochs and state["bad_epochs"] < spec.patience:
        epoch = state["epoch"]
        for group in opt.param_groups:
            group["lr"] = spec.lr * spec.lr_decay ** epoch
        if full is not None:
            train_loss = opt.step(closure).item()
        else:
            order = np.random.default_rng([spec.seed, member, epoch]).permutation(len(structures))
            losses = []
            for k in range(0, len(order), spec.batch_size):
                batch = data.subset(structures[order[k:k + spec.batch_size]]).tensors()
                opt.zero_grad()
                loss = loss_terms(model, layers, batch, spec.regularization)["total"]
                loss.backward()
                opt.step()
                losses.append(loss.item())
            train_loss = float(np.mean(losses))
        val_loss = loss_terms(model, layers, val, 0.0)["total"].item() if val is not None else train_loss
        if not np.isfinite(train_loss):
            raise ConfigError(f"training diverged at epoch {epoch} (loss {train_loss}); lower "
                              "training.learning_rate or the weights")
        if val_loss < state["best_loss"] or state["best"] is None:
            state["best"], state["best_loss"], state["bad_epochs"] = snapshot(), val_loss, 0
        else:
            state["bad_epochs"] += 1
        state["history"].append([epoch, train_loss, val_loss])
        state["epoch"] = epoch + 1
        if progress is not None:
            progress(1)
        if save is not None and state["epoch"] % spec.checkpoint_every == 0:
            save({**state, "layers": snapshot(), "optimizer": opt.state_dict()})
    if val is None:
        state["best"] = snapshot()
    return state


def fingerprint(config: FitConfig, data: TrainingArrays) -> str:
    """Hash of the settings and training data a checkpoint belongs to."""
    h = hashlib.sha256()
    settings = {k: config.model_dump(mode="json").get(k) for k in ("model", "descriptor", "weights", "zbl")}
    training = (config.training or TrainingSpec()).model_dump(mode="json")
    training.pop("checkpoint_every")
    h.update(json.dumps([settings, training], sort_keys=True).encode())
    for a in (data.values, data.energy, data.forces, data.stress, data.weights):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def train_committee(model, data: TrainingArrays, spec: TrainingSpec, checkpoint: Path | None = None,
                    key: str = "", progress=None) -> tuple[list, dict]:
    """Train the ``model.n_models`` members; returns their stacked layers and training info.

    Member m starts from the weights of seed ``spec.seed`` (member slice m) and, with
    ``model.bootstrap``, trains on a bootstrap sample of the training structures.
    """
    train_idx, val_idx = split_structures(data.n_structures, spec.validation_fraction, spec.seed)
    validation = data.subset(val_idx) if len(val_idx) else None
    init = model.initial_layers(data.values.shape[1], spec.seed)
    saved = read_checkpoint(checkpoint, key) if checkpoint is not None and checkpoint.exists() else None
    done = saved["done"] if saved else []
    for m in range(len(done), model.n_models):
        structures = train_idx
        if model.bootstrap:
            structures = np.sort(np.random.default_rng([spec.seed, 2, m]).choice(train_idx, len(train_idx)))
        if saved is not None and saved["current"] is not None:
            start, saved = saved["current"], None
        else:
            start = {"layers": [(w[m:m + 1], b[m:m + 1]) for w, b in init]}

        def save(state, done=done):
            write_checkpoint(checkpoint, {"done": done, "current": state}, key)
        state = train_member(model, data, structures, validation, spec, m, start,
                             save if checkpoint is not None else None, progress)
        done = done + [{"layers": state["best"], "epochs": state["epoch"], "best_loss": state["best_loss"],
                        "history": state["history"]}]
        if checkpoint is not None and len(done) < model.n_models:
            write_checkpoint(checkpoint, {"done": done, "current": None}, key)
    if checkpoint is not None and checkpoint.exists():
        checkpoint.unlink()  # the fit is complete: nothing left to resume
    layers = [(np.concatenate([d["layers"][k][0] for d in done]), np.concatenate([d["layers"][k][1] for d in done]))
              for k in range(len(init))]
    info = {"epochs": [int(d["epochs"]) for d in done], "best_loss": [float(d["best_loss"]) for d in done],
            "first_loss": [float(d["history"][0][1]) for d in done],
            "n_train_structures": int(len(train_idx)), "n_validation_structures": int(len(val_idx))}
    return layers, info


def fit_neural_network(train, config: FitConfig, base: Path, *, progress_factory=None):
    """Trainer entry (:data:`atomforge.fitting.trainers.TRAINERS`): fit ``config``'s network to ``train``.

    Returns (potential, info) with timings, epochs and the one-body energies.
    """
    from ..fit import build_potential_parts

    species = list(config.species) if config.species else train.species
    potential = build_potential_parts(config, species)
    descriptor, model = potential.descriptor, potential.model
    if not hasattr(model, "torch_energies"):
        raise ConfigError(f"model {model.name!r} is not a neural network; it cannot be trained by gradients")
    model.validate_params()
    spec = config.training or TrainingSpec()
    w = config.weights
    weights = FitWeights(w.energy, w.force, w.stress, dict(w.groups))
    bar = progress_factory("descriptors", len(train)) if progress_factory else None
    t0 = time.perf_counter()
    outputs = []
    for frame in train:
        outputs.append(descriptor.compute(frame, gradients=True))
        if bar is not None:
            bar(1)
    data = TrainingArrays.build(list(train), outputs, model.element_index, weights, len(species), potential.pair)
    del outputs
    t1 = time.perf_counter()
    mean, std = normalisation(data, len(species))
    e0 = one_body_energies(data)
    model.set_parameters(model.initial_layers(data.values.shape[1], spec.seed), mean, std, e0)
    checkpoint = None
    if spec.checkpoint is not None:
        checkpoint = resolve_path(spec.checkpoint, resolve_path(config.output.potential, base).parent)
    resumed = checkpoint is not None and checkpoint.exists()
    progress = progress_factory("epochs", model.n_models * spec.epochs) if progress_factory else None
    layers, info = train_committee(model, data, spec, checkpoint, fingerprint(config, data), progress)
    t2 = time.perf_counter()
    model.set_parameters(layers, mean, std, e0)
    info = {"model": "nn", "optimizer": spec.optimizer, **info, "resumed": resumed,
            "checkpoint": str(checkpoint) if checkpoint else None,
            "one_body_energies": model.reference_energies_,
            "t_descriptors_s": t1 - t0, "t_train_s": t2 - t1,
            "t_per_epoch_s": (t2 - t1) / max(1, sum(info["epochs"]))}
    return potential, info
