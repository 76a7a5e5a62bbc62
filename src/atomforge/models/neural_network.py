"""Neural-network models: one feed-forward network per element on normalised descriptors.

For an atom i of element e with descriptor B_i, in committee member m:

    x_i  = (B_i − μ_e) / s_e                       (per-element descriptor normalisation)
    h⁰   = x_i,   hˡ = a(Wˡ_me hˡ⁻¹ + bˡ_me)       (hidden layers, activation a)
    E_i  = E0_e + W^L_me h^{L−1} + b^L_me          (linear output layer, one node)

(Behler & Parrinello, Phys. Rev. Lett. 98, 146401 (2007); the per-element form of pyxtal_ff,
Yanxon et al., Mach. Learn.: Sci. Technol. 2, 027001 (2021)). μ_e, s_e are the mean and standard
deviation of the training descriptors of element e and E0_e a fitted one-body energy: they are
learned arrays stored with the weights. ∂E_i/∂B_i comes from torch autograd through the network
and the normalisation, on the descriptor only; forces and stress follow from the shared chain rule.

A committee of ``n_models`` networks (different seeds, optionally bootstrap samples) predicts
their mean; :meth:`NeuralNetworkModel.predict_members` gives each member's prediction, whose
spread is the uncertainty. The networks are evaluated in float64.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from ..errors import ConfigError
from .base import ModelBase

#: Activation name → torch function name (``torch.<name>`` or ``torch.nn.functional.<name>``).
ACTIVATIONS = {"tanh": "tanh", "sigmoid": "sigmoid", "relu": "relu", "linear": None,
               "softplus": "softplus", "silu": "silu"}


def activate(h, name: str):
    """Apply the activation ``name`` to the torch tensor ``h``."""
    import torch

    fn = ACTIVATIONS[name]
    return h if fn is None else getattr(torch.nn.functional, fn)(h)


def network_energies(layers, x, species_rows: list, activation: str, member: int):
    """Per-atom network outputs (n_atoms,) of committee ``member`` (torch, differentiable).

    Parameters
    ----------
    layers : list of (W, b) torch tensors, W (n_models, n_species, n_out, n_in), b (n_models, n_species, n_out)
    x : torch tensor, shape (n_atoms, n_features)
        Normalised descriptors.
    species_rows : list of torch int64 tensors
        Atom indices of each element, in ``species`` order.
    """
    import torch

    out = x.new_zeros(x.shape[0])
    for e, rows in enumerate(species_rows):
        if len(rows) == 0:
            continue
        h = x[rows]  # (n_e, n_features)
        for k, (w, b) in enumerate(layers):
            h = h @ w[member, e].T + b[member, e]
            if k < len(layers) - 1:
                h = activate(h, activation)
        out = out.index_put((rows,), h[:, 0])
    return out


class NeuralNetworkModel(ModelBase):
    """Per-element feed-forward networks, atomic energies summed (a committee of ``n_models``).

    Parameters
    ----------
    species : list of str
    hidden_layers : list of int
        Nodes of each hidden layer, e.g. ``[30, 30]``.
    activation : str
        One of :data:`ACTIVATIONS`; LAMMPS ML-IAP knows only tanh, sigmoid, relu and linear.
    n_models : int
        Committee size: networks trained from different seeds (and bootstrap samples).
    bootstrap : bool
        Train each committee member on a bootstrap sample of the training structures.

    Attributes
    ----------
    weights_ : list of ndarray, shape (n_models, n_species, n_out, n_in)
    biases_ : list of ndarray, shape (n_models, n_species, n_out)
    mean_, std_ : ndarray, shape (n_species, n_features)
        Descriptor normalisation of each element.
    reference_energies_ : dict of str to float, eV
    """

    name: ClassVar[str] = "nn"
    trainer: ClassVar[str] = "gradient"
    _parameter_constraints: ClassVar[dict] = {
        **ModelBase._parameter_constraints,
        "hidden_layers": ((list, tuple), lambda v: len(v) > 0 and all(isinstance(n, int) and n > 0 for n in v),
                          "a non-empty list of positive layer widths"),
        "activation": (str, lambda v: v in ACTIVATIONS, f"one of {sorted(ACTIVATIONS)}"),
        "n_models": (int, lambda v: v >= 1, "a positive integer"),
        "bootstrap": (bool, lambda v: True, "true or false"),
    }

    def __init__(self, *, species: list[str], hidden_layers: list[int] = (30, 30), activation: str = "tanh",
                 n_models: int = 1, bootstrap: bool = False):
        self.species = species
        self.hidden_layers = hidden_layers
        self.activation = activation
        self.n_models = n_models
        self.bootstrap = bootstrap

    # --- architecture --------------------------------------------------------------------------
    def layer_shapes(self, n_features: int) -> list[tuple[int, int]]:
        """(n_out, n_in) of each layer, the one-node output layer last."""
        widths = [n_features, *self.hidden_layers, 1]
        return [(widths[k + 1], widths[k]) for k in range(len(widths) - 1)]

    def initial_layers(self, n_features: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """Random starting weights (Glorot-uniform, zero biases) for every member and element."""
        rng = np.random.default_rng(seed)
        layers = []
        for n_out, n_in in self.layer_shapes(n_features):
            bound = np.sqrt(6.0 / (n_in + n_out))
            w = rng.uniform(-bound, bound, (self.n_models, len(self.species), n_out, n_in))
            layers.append((w, np.zeros((self.n_models, len(self.species), n_out))))
        return layers

    # --- learned state -------------------------------------------------------------------------
    def set_parameters(self, layers, mean: np.ndarray, std: np.ndarray, reference_energies: np.ndarray):
        """Set the weights (list of (W, b)), normalisation (n_species, n_features) and E0 (n_species,)."""
        self.validate_params()
        mean, std = np.asarray(mean, float), np.asarray(std, float)
        shapes = self.layer_shapes(mean.shape[1])
        if len(layers) != len(shapes):
            raise ConfigError(f"{len(layers)} layers given, the architecture has {len(shapes)}")
        for (w, b), (n_out, n_in) in zip(layers, shapes):
            want = (self.n_models, len(self.species), n_out, n_in)
            if np.shape(w) != want or np.shape(b) != want[:3]:
                raise ConfigError(f"layer weights of shape {np.shape(w)}/{np.shape(b)}, expected {want}/{want[:3]}")
        if (std <= 0).any():
            raise ConfigError("descriptor scales (std) must be positive")
        self.weights_ = [np.array(w, float) for w, _ in layers]
        self.biases_ = [np.array(b, float) for _, b in layers]
        self.mean_, self.std_ = mean, std
        self.energy_offsets_ = np.array(reference_energies, float)
        self.n_features_in_ = mean.shape[1]
        return self

    @property
    def reference_energies_(self) -> dict[str, float]:
        """E0 of each element, eV (the one-body term fitted before the networks)."""
        self._check_fitted()
        return {s: float(e) for s, e in zip(self.species, self.energy_offsets_)}

    def fitted_arrays(self) -> dict[str, np.ndarray]:
        if not hasattr(self, "weights_"):
            return {}
        arrays = {"mean": self.mean_, "std": self.std_, "reference_energies": self.energy_offsets_}
        for k, (w, b) in enumerate(zip(self.weights_, self.biases_)):
            arrays[f"weight_{k}"], arrays[f"bias_{k}"] = w, b
        return arrays

    def load_arrays(self, arrays: dict[str, np.ndarray]) -> "NeuralNetworkModel":
        n = len(self.hidden_layers) + 1
        layers = [(arrays[f"weight_{k}"], arrays[f"bias_{k}"]) for k in range(n)]
        return self.set_parameters(layers, arrays["mean"], arrays["std"], arrays["reference_energies"])

    # --- prediction ----------------------------------------------------------------------------
    def torch_energies(self, layers, values, elem, member: int):
        """Per-atom energies (n_atoms,) of ``member`` from raw descriptors ``values`` (torch tensors).

        ``layers`` are torch (W, b) pairs shaped like :attr:`weights_`/:attr:`biases_`; ``elem``
        is the species index of each atom (int64). Differentiable in ``values`` and ``layers``.
        """
        import torch

        mean, std = torch.from_numpy(self.mean_), torch.from_numpy(self.std_)
        x = (values - mean[elem]) / std[elem]
        rows = [torch.nonzero(elem == e).flatten() for e in range(len(self.species))]
        return torch.from_numpy(self.energy_offsets_)[elem] + network_energies(layers, x, rows, self.activation,
                                                                                member)

    def predict_members(self, values: np.ndarray, numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each member's energies (n_models, n_atoms) eV and ∂E_i/∂B_i (n_models, n_atoms, n_features)."""
        import torch

        self._check_fitted()
        if values.shape[1] != self.n_features_in_:
            raise ConfigError(f"descriptor has {values.shape[1]} features, model expects {self.n_features_in_}")
        elem = torch.from_numpy(self.element_index(numbers))
        layers = [(torch.from_numpy(w), torch.from_numpy(b)) for w, b in zip(self.weights_, self.biases_)]
        energies, grads = [], []
        for m in range(self.n_models):
            x = torch.tensor(values, dtype=torch.float64, requires_grad=True)
            e = self.torch_energies(layers, x, elem, m)
            (g,) = torch.autograd.grad(e.sum(), x)
            energies.append(e.detach().numpy())
            grads.append(g.numpy())
        return np.stack(energies), np.stack(grads)

    @property
    def has_uncertainty(self) -> bool:
        """A committee of more than one network has a spread."""
        return self.n_models > 1

    def predict_std(self, values: np.ndarray, numbers: np.ndarray) -> tuple[float, np.ndarray]:
        """The committee's standard deviation of the total energy (eV) and of each atom's (n_atoms,) eV."""
        energies, _ = self.predict_members(values, numbers)
        return float(energies.sum(1).std()), energies.std(0)

    def predict(self, values: np.ndarray, numbers: np.ndarray):
        """Committee-mean energies (n_atoms,) eV and ∂E_i/∂B_i (n_atoms, n_features)."""
        energies, grads = self.predict_members(values, numbers)
        return energies.mean(0), grads.mean(0)
