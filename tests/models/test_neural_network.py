"""Neural-network model: the network against a NumPy forward pass written here, the torch chain rule
against the NumPy one, and a committee's spread in the ASE calculator."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from ase.build import bulk

from atomforge.chain_rule import contract, forces_and_stress
from atomforge.descriptors.snap import Bispectrum
from atomforge.errors import ConfigError
from atomforge.models import DescriptorPotential, NeuralNetworkModel

SPECIES = ["Ni", "Al"]
DESCRIPTOR = Bispectrum(elements=SPECIES, twojmax=2, rcutfac=4.0)
ACT = {"tanh": np.tanh, "sigmoid": lambda h: 1 / (1 + np.exp(-h)), "relu": lambda h: np.maximum(h, 0),
       "linear": lambda h: h, "softplus": lambda h: np.log1p(np.exp(h)), "silu": lambda h: h / (1 + np.exp(-h))}


def cell(seed=0):
    atoms = bulk("NiAl", "cesiumchloride", a=2.9).repeat((2, 2, 2))
    atoms.positions += np.random.default_rng(seed).normal(0.0, 0.1, atoms.positions.shape)
    return atoms


def random_model(activation="tanh", n_models=1, hidden=(5, 4), seed=0):
    """A model with random weights, normalisation and one-body energies."""
    rng = np.random.default_rng(seed)
    model = NeuralNetworkModel(species=SPECIES, hidden_layers=list(hidden), activation=activation, n_models=n_models)
    nf = DESCRIPTOR.n_features
    layers = [(rng.normal(size=w.shape), rng.normal(size=b.shape)) for w, b in model.initial_layers(nf, seed)]
    values = DESCRIPTOR.compute(cell()).values
    mean = values.mean(0) + rng.normal(0, 0.1, (2, nf))
    std = values.std(0) * rng.uniform(0.5, 2.0, (2, nf))
    return model.set_parameters(layers, mean, std, rng.normal(size=2))


def numpy_energies(model, values, numbers, member=0):
    """E_i written out: normalise with the atom's element, hidden layers, linear output, plus E0."""
    elem = np.array([SPECIES.index({28: "Ni", 13: "Al"}[z]) for z in numbers])
    out = np.empty(len(values))
    for i, e in enumerate(elem):
        h = (values[i] - model.mean_[e]) / model.std_[e]
        for k, (w, b) in enumerate(zip(model.weights_, model.biases_)):
            h = w[member, e] @ h + b[member, e]
            if k < len(model.weights_) - 1:
                h = ACT[model.activation](h)
        out[i] = model.energy_offsets_[e] + h[0]
    return out


@pytest.mark.parametrize("activation", sorted(ACT))
def test_energies_equal_a_numpy_forward_pass(activation):
    model = random_model(activation)
    out = DESCRIPTOR.compute(cell())
    energies, de_db = model.predict(out.values, out.numbers)
    np.testing.assert_allclose(energies, numpy_energies(model, out.values, out.numbers), rtol=1e-12, atol=1e-12)
    h = 1e-6
    k = 3
    up, down = out.values.copy(), out.values.copy()
    up[:, k] += h
    down[:, k] -= h
    numeric = (numpy_energies(model, up, out.numbers) - numpy_energies(model, down, out.numbers)) / (2 * h)
    np.testing.assert_allclose(de_db[:, k], numeric, rtol=1e-6, atol=1e-8)


def test_torch_contraction_of_two_structures_equals_numpy_per_structure():
    outs = [DESCRIPTOR.compute(cell(s), gradients=True) for s in (1, 2)]
    rng = np.random.default_rng(5)
    dedb = [rng.normal(size=o.values.shape) for o in outs]
    offset = outs[0].n_atoms
    cat = lambda parts: torch.from_numpy(np.concatenate(parts))  # noqa: E731
    forces, virial = contract(cat(dedb), cat([outs[0].pairs[:, 0], outs[1].pairs[:, 0] + offset]),
                              cat([outs[0].pairs[:, 1], outs[1].pairs[:, 1] + offset]),
                              cat([o.grad for o in outs]), cat([o.vectors for o in outs]), 2 * offset,
                              cat([np.full(len(o.pairs), s) for s, o in enumerate(outs)]), 2)
    for s, (o, g) in enumerate(zip(outs, dedb)):
        f, stress = forces_and_stress(g, o, 1.0)
        np.testing.assert_allclose(forces[s * offset:(s + 1) * offset].numpy(), f, rtol=1e-13, atol=1e-13)
        w = virial[s].numpy()
        sym = 0.5 * (w + w.T)
        np.testing.assert_allclose([sym[0, 0], sym[1, 1], sym[2, 2], sym[1, 2], sym[0, 2], sym[0, 1]], stress,
                                   rtol=1e-13, atol=1e-13)


def test_committee_mean_and_spread_in_the_calculator():
    committee = random_model(n_models=3, seed=4)
    members = []
    for m in range(3):  # each member as a model of its own
        one = NeuralNetworkModel(species=SPECIES, hidden_layers=[5, 4])
        layers = [(w[m:m + 1], b[m:m + 1]) for w, b in zip(committee.weights_, committee.biases_)]
        members.append(DescriptorPotential(DESCRIPTOR, one.set_parameters(layers, committee.mean_, committee.std_,
                                                                          committee.energy_offsets_)))
    atoms = cell(3)
    atoms.calc = DescriptorPotential(DESCRIPTOR, committee).calculator()
    ev = [p.evaluate(atoms) for p in members]
    assert atoms.get_potential_energy() == pytest.approx(np.mean([e.energy for e in ev]), rel=1e-12)
    np.testing.assert_allclose(atoms.get_forces(), np.mean([e.forces for e in ev], axis=0), atol=1e-12)
    r = {k: atoms.calc.get_property(k, atoms) for k in ("energy_std", "energies_std", "forces_std")}
    assert r["energy_std"] == pytest.approx(np.std([e.energy for e in ev]), rel=1e-10)
    np.testing.assert_allclose(r["energies_std"], np.std([e.energies for e in ev], axis=0), rtol=1e-10)
    np.testing.assert_allclose(r["forces_std"], np.std([e.forces for e in ev], axis=0), rtol=1e-8, atol=1e-12)
    assert r["energy_std"] > 0
    assert not members[0].has_uncertainty  # one network: no spread
    assert "energy_std" not in members[0].calculator().implemented_properties


def test_bad_hyperparameters_and_arrays_are_refused():
    with pytest.raises(ConfigError, match="activation must be one of"):
        NeuralNetworkModel(species=SPECIES, activation="gelu").validate_params()
    with pytest.raises(ConfigError, match="hidden_layers"):
        NeuralNetworkModel(species=SPECIES, hidden_layers=[]).validate_params()
    model = random_model()
    arrays = model.fitted_arrays()
    arrays["weight_1"] = arrays["weight_1"][..., :-1]
    with pytest.raises(ConfigError, match="expected"):
        NeuralNetworkModel(species=SPECIES, hidden_layers=[5, 4]).load_arrays(arrays)
