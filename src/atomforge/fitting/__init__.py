"""Fitting: structure vectors, losses and optimisers."""
