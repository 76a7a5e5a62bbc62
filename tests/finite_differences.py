"""The one finite-difference helper shared by every gradient, force and stress test."""

from __future__ import annotations

import numpy as np


def numeric_position_derivative(f, positions: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Central differences of ``f(positions)`` (any array shape S) → shape (n_atoms, 3, *S)."""
    positions = np.array(positions, dtype=float)
    f0 = np.asarray(f(positions))
    out = np.zeros(positions.shape + f0.shape)
    for a in range(positions.shape[0]):
        for c in range(3):
            p = positions.copy()
            p[a, c] += h
            fp = np.asarray(f(p))
            p[a, c] -= 2 * h
            fm = np.asarray(f(p))
            out[a, c] = (fp - fm) / (2 * h)
    return out


def numeric_forces(atoms, h: float = 1e-5) -> np.ndarray:
    """−∂E/∂r by central differences, (n_atoms, 3), eV/Å, with ``atoms.calc``."""
    calc = atoms.calc
    atoms = atoms.copy()

    def energy(p):
        atoms.positions = p
        atoms.calc = calc
        return atoms.get_potential_energy()

    if calc is None:
        raise ValueError("atoms needs a calculator")
    return -numeric_position_derivative(energy, atoms.positions, h)


def numeric_strain_derivative(f, atoms, h: float = 1e-6) -> np.ndarray:
    """(1/V) ∂f/∂ε of ``f(strained_atoms)`` by central differences of symmetric strains.

    Returns Voigt (6,) [xx, yy, zz, yz, xz, xy], in f's unit per Å³ (for an energy: the ASE stress).
    """
    cell0 = atoms.cell.array.copy()
    pos0 = atoms.positions.copy()
    volume = atoms.get_volume()
    pairs = [(0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1)]
    out = np.zeros(6)
    for k, (a, b) in enumerate(pairs):
        d = []
        for sign in (1, -1):
            eps = np.zeros((3, 3))
            eps[a, b] = eps[b, a] = sign * h
            m = np.eye(3) + eps
            strained = atoms.copy()
            strained.set_cell(cell0 @ m, scale_atoms=False)
            strained.positions = pos0 @ m
            d.append(f(strained))
        denom = 2 * h if a == b else 4 * h
        out[k] = (d[0] - d[1]) / denom / volume
    return out


def numeric_stress(atoms, h: float = 1e-6) -> np.ndarray:
    """(1/V) ∂E/∂ε by central differences of symmetric strains, Voigt (6,), eV/Å³ (ASE sign)."""
    calc = atoms.calc

    def energy(strained):
        strained.calc = calc
        return strained.get_potential_energy()

    return numeric_strain_derivative(energy, atoms, h)
