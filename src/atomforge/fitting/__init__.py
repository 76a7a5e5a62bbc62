"""Fitting: design matrices, row weights, least-squares solvers; for spline MEAM, structure
vectors (:mod:`.structure_vectors`) and CMA-ES (:mod:`.cmaes`)."""

from .design import DesignMatrix, frame_rows
from .solvers import solve_least_squares
from .weights import FitWeights

__all__ = ["DesignMatrix", "FitWeights", "frame_rows", "solve_least_squares"]
