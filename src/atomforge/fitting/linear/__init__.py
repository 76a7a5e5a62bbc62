"""Least squares for models linear in their coefficients: design matrices, solvers, the trainer."""

from .design import DesignMatrix, frame_rows
from .solvers import solve_least_squares
from .trainer import fit_least_squares

__all__ = ["DesignMatrix", "fit_least_squares", "frame_rows", "solve_least_squares"]
