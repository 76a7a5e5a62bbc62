"""ML-IAP ``model nn`` export: random networks (and a committee) run in LAMMPS ``pair_style mliap``
give the per-atom energies, forces and stress of ``potential.evaluate`` to 1e-8, for the bispectrum
(``descriptor sna``) and the SO(3) power spectrum (``descriptor so3``)."""

from __future__ import annotations

import numpy as np
import pytest

from atomforge.errors import ConfigError
from atomforge.lammps.export import export_lammps
from atomforge.models import DescriptorPotential, NeuralNetworkModel
from atomforge.pairs import ZBL
from test_mliap import SNA, SO3, SPECIES, assert_lammps_equals_atomforge, triclinic


def random_network(descriptor, activation="tanh", hidden=(7, 5), n_models=1, zbl=None, seed=0):
    """Weights O(1) on descriptors normalised by their spread over the triclinic cell."""
    rng = np.random.default_rng(seed)
    model = NeuralNetworkModel(species=SPECIES, hidden_layers=list(hidden), activation=activation, n_models=n_models)
    values = descriptor.compute(triclinic()).values
    layers = [(rng.normal(0, 0.5, w.shape), rng.normal(0, 0.3, b.shape))
              for w, b in model.initial_layers(descriptor.n_features, seed)]
    mean = np.stack([values.mean(0) * rng.uniform(0.9, 1.1, values.shape[1]) for _ in SPECIES])
    std = np.stack([values.std(0) * rng.uniform(0.8, 1.2, values.shape[1]) + 1e-3 for _ in SPECIES])
    model.set_parameters(layers, mean, std, rng.normal(-4.0, 1.0, len(SPECIES)))
    return DescriptorPotential(descriptor, model, zbl)


CASES = {
    "sna-tanh": lambda: random_network(SNA, "tanh", seed=1),
    "sna-sigmoid-committee": lambda: random_network(SNA, "sigmoid", hidden=(6, 4, 3), n_models=3, seed=2),
    "so3-relu": lambda: random_network(SO3, "relu", seed=3),
    "so3-tanh-committee-zbl": lambda: random_network(SO3, "tanh", n_models=2, seed=4,
                                                     zbl=ZBL.for_species(1.2, 2.1, SPECIES)),
    "so3-linear": lambda: random_network(SO3, "linear", hidden=(4,), seed=5),
}


@pytest.mark.lammps
@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_exported_network_equals_atomforge_in_lammps(case, tmp_path):
    potential = CASES[case]()
    written = export_lammps(potential, tmp_path, "nn")
    assert "mliap model nn" in written["pair_lines"][0]
    for ev in assert_lammps_equals_atomforge(potential, written["pair_lines"], case):
        assert np.abs(ev.forces).max() > 0.02  # the networks are not flat


@pytest.mark.parametrize("activation", ["softplus", "silu"])
def test_activations_lammps_would_misread_are_refused(activation, tmp_path):
    with pytest.raises(ConfigError, match=f"would evaluate '{activation}' as linear"):
        export_lammps(random_network(SO3, activation), tmp_path, "nn")
    assert not list(tmp_path.iterdir())
