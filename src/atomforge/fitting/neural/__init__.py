"""Gradient training of neural-network models (:class:`atomforge.models.NeuralNetworkModel`).

- :mod:`.config`: the ``training`` section of ``atomforge fit``.
- :mod:`.data`: descriptors and labels of the training structures, computed once, as torch tensors.
- :mod:`.loss`: the loss over energies per atom, forces and stresses.
- :mod:`.checkpoint`: checkpoints as arrays + JSON (no pickle), written atomically.
- :mod:`.trainer`: the training loop (L-BFGS, Adam, SGD), early stopping, committees, resume.
"""
