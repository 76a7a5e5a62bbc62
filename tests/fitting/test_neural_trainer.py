"""Gradient training of NN models: the loss against errors recomputed through the ASE calculator, its
weight gradient against finite differences, optimisers, early stopping, determinism, checkpoints."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from atomforge.data import Dataset
from atomforge.fitting import fit_dataset
from atomforge.fitting.neural.checkpoint import read_checkpoint, write_checkpoint
from atomforge.fitting.neural.data import TrainingArrays
from atomforge.fitting.neural.loss import loss_terms
from atomforge.fitting.neural.trainer import split_structures
from atomforge.fitting.weights import FitWeights
from atomforge.units import EV_A3_TO_GPA
from conformance import emt_nial_frames, fit_config

FRAMES = emt_nial_frames(6)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Tiny networks: torch's intra-op threads only cost time here (and on a shared machine, much)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
WEIGHTS = {"energy": 30.0, "force": 1.0, "stress": 0.1, "groups": {"g1": {"energy": 2.0}}}


def fit(training: dict, model: dict | None = None, frames=FRAMES):
    config = fit_config({"name": "nn", "hidden_layers": [6], **(model or {})},
                        training={"checkpoint": None, **training}, weights=WEIGHTS)
    return fit_dataset(Dataset(frames, "emt"), config)


def arrays_of(potential):
    model = potential.model
    outs = [potential.descriptor.compute(f, gradients=True) for f in FRAMES]
    return TrainingArrays.build(FRAMES, outs, model.element_index, FitWeights(30.0, 1.0, 0.1, WEIGHTS["groups"]), 2)


def torch_layers(model, member=0):
    return [(torch.tensor(w[member:member + 1], requires_grad=True), torch.tensor(b[member:member + 1], requires_grad=True))
            for w, b in zip(model.weights_, model.biases_)]


@pytest.fixture(scope="module")
def lbfgs_fit():
    return fit({"epochs": 15, "validation_fraction": 0.0})


def test_loss_equals_errors_recomputed_with_the_calculator(lbfgs_fit):
    potential, _ = lbfgs_fit
    terms = loss_terms(potential.model, torch_layers(potential.model), arrays_of(potential).tensors(), 1e-3)
    de, df, ds = [], [], []
    for f in FRAMES:
        atoms = f.atoms.copy()
        atoms.calc = potential.calculator()
        we = 30.0 * (2.0 if f.group == "g1" else 1.0)
        de.append(we * (atoms.get_potential_energy() - f.energy) / len(atoms))
        df.append(1.0 * (atoms.get_forces() - f.forces).ravel())
        ds.append(0.1 * (atoms.get_stress() - f.stress) * EV_A3_TO_GPA)
    assert terms["energy"].item() == pytest.approx(np.mean(np.square(de)), rel=1e-10)
    assert terms["force"].item() == pytest.approx(np.mean(np.square(np.concatenate(df))), rel=1e-10)
    assert terms["stress"].item() == pytest.approx(np.mean(np.square(np.concatenate(ds))), rel=1e-10)
    l2 = 1e-3 * sum(float((w ** 2).sum()) for w in potential.model.weights_)
    assert terms["total"].item() == pytest.approx(np.mean(np.square(de)) + np.mean(np.square(np.concatenate(df)))
                                                  + np.mean(np.square(np.concatenate(ds))) + l2, rel=1e-10)


def test_weight_gradient_of_the_loss_equals_finite_differences(lbfgs_fit):
    """The force and stress terms depend on the weights through ∂E/∂B: autograd keeps that graph."""
    potential, _ = lbfgs_fit
    model, t = potential.model, arrays_of(potential).tensors()
    layers = torch_layers(model)
    loss = loss_terms(model, layers, t, 1e-3)
    for name in ("force", "stress", "total"):
        (g,) = torch.autograd.grad(loss[name], layers[0][0], retain_graph=True)
        for idx in [(0, 0, 2, 1), (0, 1, 4, 3)]:
            w = layers[0][0].detach().clone()
            h = 1e-6
            vals = []
            for sign in (1, -1):
                shifted = w.clone()
                shifted[idx] += sign * h
                vals.append(loss_terms(model, [(shifted, layers[0][1].detach())] + layers[1:], t, 1e-3)[name].item())
            assert float(g[idx]) == pytest.approx((vals[0] - vals[1]) / (2 * h), rel=1e-5, abs=1e-9)


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam", "sgd"])
def test_each_optimizer_lowers_the_loss(optimizer):
    settings = {"lbfgs": {}, "adam": {"learning_rate": 0.01, "batch_size": 2}, "sgd": {"learning_rate": 1e-4}}
    _, info = fit({"optimizer": optimizer, "epochs": 15, "validation_fraction": 0.0, "lr_decay": 0.99,
                   **settings[optimizer]})
    assert info["epochs"] == [15]
    assert info["best_loss"][0] < 0.5 * info["first_loss"][0]


def test_fit_is_deterministic_and_the_seed_matters():
    a, _ = fit({"epochs": 5, "seed": 3})
    b, _ = fit({"epochs": 5, "seed": 3})
    c, _ = fit({"epochs": 5, "seed": 4})
    for k, v in a.model.fitted_arrays().items():
        np.testing.assert_array_equal(v, b.model.fitted_arrays()[k])
    assert not np.array_equal(a.model.weights_[0], c.model.weights_[0])


def test_early_stopping_keeps_the_weights_of_the_best_validation_loss():
    potential, info = fit({"epochs": 400, "validation_fraction": 0.34, "patience": 3, "learning_rate": 0.5})
    assert info["epochs"][0] < 400 and info["n_validation_structures"] == 2
    _, val = split_structures(len(FRAMES), 0.34, 0)
    terms = loss_terms(potential.model, torch_layers(potential.model), arrays_of(potential).subset(val).tensors(), 0.0)
    assert terms["total"].item() == pytest.approx(info["best_loss"][0], rel=1e-12)


def test_bootstrap_committee_members_differ():
    potential, info = fit({"epochs": 5}, {"n_models": 3, "bootstrap": True})
    w = potential.model.weights_[0]
    assert w.shape[0] == 3 and info["epochs"] == [5, 5, 5]
    assert not np.array_equal(w[0], w[1]) and not np.array_equal(w[1], w[2])
    atoms = FRAMES[0].atoms.copy()
    atoms.calc = potential.calculator()
    assert atoms.calc.get_property("energy_std", atoms) > 0
    assert atoms.calc.get_property("forces_std", atoms).shape == (len(atoms), 3)


def test_checkpoint_round_trip_is_exact(tmp_path):
    state = {"a": [torch.arange(3.0), np.ones((2, 2), dtype=np.float32)], 7: {"x": 1.5, "y": None, "z": np.inf}}
    write_checkpoint(tmp_path / "c.npz", state, "key")
    back = read_checkpoint(tmp_path / "c.npz", "key")
    assert isinstance(back["a"][0], torch.Tensor) and torch.equal(back["a"][0], state["a"][0])
    assert back["a"][1].dtype == np.float32 and back[7] == {"x": 1.5, "y": None, "z": np.inf}
    with pytest.raises(Exception, match="another fit"):
        read_checkpoint(tmp_path / "c.npz", "other")


def test_training_section_belongs_to_the_gradient_trainer():
    from atomforge.errors import ConfigError

    with pytest.raises(ConfigError, match="training: not used by the least-squares model"):
        fit_config({"name": "linear"}, training={"epochs": 3})
    with pytest.raises(ConfigError, match="unknown key 'training.epoch'.*Did you mean 'epochs'"):
        fit_config({"name": "nn"}, training={"epoch": 3})


def test_the_example_configuration_is_valid():
    from pathlib import Path

    from atomforge.fitting.config import load_config

    config, _ = load_config(Path(__file__).parents[2] / "examples" / "mlearn" / "Si-nn.yaml")
    assert config.model.name == "nn" and config.model.n_models == 3 and config.training.optimizer == "lbfgs"


@pytest.mark.parametrize("as_tensor", [False, True], ids=["numpy", "torch"])
def test_grouped_contraction_equals_the_listed_one_per_structure(as_tensor):
    """The training layout (pairs grouped by center, padded) gives the forces and virials of
    ``forces_and_stress`` on each structure's own descriptor output, for NumPy and torch alike."""
    from atomforge.chain_rule import contract, forces_and_stress
    from atomforge.descriptors.snap import Bispectrum

    descriptor = Bispectrum(elements=["Ni", "Al"], twojmax=2, rcutfac=4.0)
    frames = FRAMES[:3]
    outs = [descriptor.compute(f, gradients=True) for f in frames]
    data = TrainingArrays.build(frames, outs, lambda z: (z == 13).astype(np.int64), FitWeights(), 2)
    assert data.grad.shape[1] == max(np.bincount(o.pairs[:, 0]).max() for o in outs)
    dedb = np.random.default_rng(2).normal(size=data.values.shape)
    conv = torch.from_numpy if as_tensor else np.asarray
    pair_structure = np.repeat(data.atom_structure[:, None], data.neighbors.shape[1], axis=1)
    forces, virial = contract(conv(dedb), None, conv(data.neighbors), conv(data.grad), conv(data.vectors),
                              len(dedb), conv(pair_structure), 3)
    forces, virial = np.asarray(forces), np.asarray(virial)
    start = 0
    for s, (f, o) in enumerate(zip(frames, outs)):
        rows = slice(start, start + o.n_atoms)
        ref_f, ref_s = forces_and_stress(dedb[rows], o, 1.0)
        np.testing.assert_allclose(forces[rows], ref_f, rtol=1e-12, atol=1e-12)
        sym = 0.5 * (virial[s] + virial[s].T)
        np.testing.assert_allclose([sym[0, 0], sym[1, 1], sym[2, 2], sym[1, 2], sym[0, 2], sym[0, 1]], ref_s,
                                   rtol=1e-12, atol=1e-12)
        start += o.n_atoms


def test_lbfgs_recovers_from_a_first_step_that_overshoots():
    """An L-BFGS epoch whose trial step raises the loss must search back along the line.

    f(x) = 50 (x − 0.9)² from x = 0 with learning rate 10: the first trial step lands at x = 10.
    torch's default evaluation budget for one iteration left no line search, so such a step was
    dropped and every later epoch repeated it (the fit froze: mlearn Si stopped at epoch ~180).
    """
    from atomforge.fitting.neural.config import TrainingSpec
    from atomforge.fitting.neural.trainer import make_optimizer

    x = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = make_optimizer(TrainingSpec(optimizer="lbfgs", learning_rate=10.0), [x])

    def closure():
        opt.zero_grad()
        loss = 50.0 * ((x - 0.9) ** 2).sum()
        loss.backward()
        return loss

    for _ in range(20):
        opt.step(closure)
    assert x.item() == pytest.approx(0.9, abs=1e-8)
