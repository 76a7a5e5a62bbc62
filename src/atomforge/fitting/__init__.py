"""Fitting: design matrices, row weights, least-squares solvers, structure vectors, losses and optimisers."""

from .design import DesignMatrix, frame_rows
from .solvers import solve_least_squares
from .weights import FitWeights

__all__ = ["DesignMatrix", "FitWeights", "frame_rows", "solve_least_squares"]
