"""Maxwell–Boltzmann velocities across ASE versions (``thermalize_momenta`` is new in ASE 3.29)."""

from __future__ import annotations

try:
    from ase.md.velocitydistribution import thermalize_momenta as _thermalize
except ImportError:  # ASE < 3.29
    from ase.md.velocitydistribution import MaxwellBoltzmannDistribution as _thermalize


def thermalize(atoms, temperature: float, *, rng=None) -> None:
    """Draw momenta of ``atoms`` from the Maxwell–Boltzmann distribution at ``temperature`` K."""
    _thermalize(atoms, temperature_K=temperature, rng=rng)
