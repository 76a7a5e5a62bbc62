"""Sparse Gaussian-process training: inducing-point selection, marginal likelihood, posterior."""
