"""The LAMMPS ML-IAP ``model nn`` file of a neural-network model (LAMMPS ``src/ML-IAP/mliap_model_nn.cpp``).

Layout: ``n_elements n_params``; one ``NET n_descriptors n_layers act_1 n_1 ... linear 1`` line;
then per element the descriptor offsets (n_descriptors numbers), the scales, and the n_params
coefficients, layer by layer and node by node, each node's bias before its weights. LAMMPS
evaluates x = (B − offset)/scale, the layers, and takes the one output node as E_i, so the
one-body energy E0_e goes into the output bias. Lines are short (LAMMPS reads at most 1,024
characters a line and 30 coefficients).

A committee of M networks is written as one network of M-fold width whose hidden layers are
block-diagonal and whose output averages the members': exactly the committee mean.

ML-IAP knows the activations linear, sigmoid, tanh and relu, and evaluates any other name as
linear without an error; a model with another activation is refused.
"""

from __future__ import annotations

import io

import numpy as np
from scipy.linalg import block_diag

from ..errors import ConfigError

#: Activations LAMMPS ML-IAP ``model nn`` evaluates (any other name it treats as linear).
LAMMPS_ACTIVATIONS = ("linear", "sigmoid", "tanh", "relu")
_PER_LINE = 20


def committee_as_one_network(model, e: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(W, b) of each layer of element ``e``'s committee mean as a single network."""
    n = model.n_models
    layers = []
    for k, (w, b) in enumerate(zip(model.weights_, model.biases_)):
        w, b = w[:, e], b[:, e]  # (n_models, n_out, n_in), (n_models, n_out)
        if k == 0:
            layers.append((np.concatenate(list(w)), np.concatenate(list(b))))
        elif k < len(model.weights_) - 1:
            layers.append((block_diag(*w), np.concatenate(list(b))))
        else:
            layers.append((np.concatenate(list(w), axis=1) / n, b.mean(0) + model.energy_offsets_[e]))
    return layers


def _numbers(out, values) -> None:
    values = [float(v) for v in np.ravel(values)]
    for k in range(0, len(values), _PER_LINE):
        out.write(" ".join(repr(v) for v in values[k:k + _PER_LINE]) + "\n")


def nn_model_file(model) -> tuple[str, str]:
    """The ML-IAP model style (``nn``) and the text of its file, for a fitted
    :class:`~atomforge.models.NeuralNetworkModel`."""
    model._check_fitted()
    if model.activation not in LAMMPS_ACTIVATIONS:
        raise ConfigError(f"LAMMPS ML-IAP model nn knows only the activations {', '.join(LAMMPS_ACTIVATIONS)} and "
                          f"would evaluate {model.activation!r} as linear without an error; refit with one of "
                          "those to export, or run this potential through its ASE calculator")
    per_element = [committee_as_one_network(model, e) for e in range(len(model.species))]
    widths = [w.shape[0] for w, _ in per_element[0]]
    n_params = sum(w.size + b.size for w, b in per_element[0])
    acts = [model.activation] * (len(widths) - 1) + ["linear"]
    out = io.StringIO()
    out.write(f"# LAMMPS ML-IAP nn model written by atomforge; elements {' '.join(model.species)}; "
              f"{model.n_models} network(s) per element\n# n_elements n_params\n{len(model.species)} {n_params}\n")
    out.write(f"NET {model.n_features_in_} {len(widths)} " + " ".join(f"{a} {n}" for a, n in zip(acts, widths)) + "\n")
    for e, layers in enumerate(per_element):
        out.write(f"# {model.species[e]}: descriptor offsets, scales, then each node's bias and weights\n")
        _numbers(out, model.mean_[e])
        _numbers(out, model.std_[e])
        _numbers(out, np.concatenate([np.column_stack([b, w]).ravel() for w, b in layers]))
    return "nn", out.getvalue()
