"""The short-range repulsive core of the GRS effective potential: a smooth soft sphere.

    V_core = ½ Σ_{i≠j} ε (1 − r_ij/σ_ij)³  for r_ij < σ_ij,   σ_ij = scale · (R_i + R_j)

with R the covalent radii of ASE (Cordero et al. 2008). The cubic keeps energy, force and its
derivative continuous at σ_ij. Units are those of V (the loss is dimensionless; ε sets the scale).
The default scale 0.8 puts σ inside the first shell of many targets (liquid Ta has pairs at
2.05 Å; σ_TaTa = 2.72 Å), where the core fights the loss: :meth:`RepulsiveCore.clear_of` (config
``core: {scale: target}``) sets σ just below the target's shortest distance instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ase.data import atomic_numbers, covalent_radii

from ..errors import ConfigError
from ..neighbors import neighbor_list
from ..units import matrix_to_voigt


@dataclass(frozen=True)
class RepulsiveCore:
    """Soft-sphere core; ``epsilon = 0`` switches it off.

    Parameters
    ----------
    epsilon : float
        Height of the core at r = 0 (units of V).
    scale : float
        σ_ij as a fraction of the sum of covalent radii.
    """

    epsilon: float = 1.0
    scale: float = 0.8

    @classmethod
    def clear_of(cls, shortest: float, elements: list[str], *, epsilon: float = 1.0,
                 margin: float = 0.95, cap: float = 0.8) -> "RepulsiveCore":
        """The core whose every σ_ij (i, j among ``elements``) is at most ``margin`` × ``shortest``
        (Å; a target's :attr:`~.Target.shortest`), with ``scale`` at most ``cap``: it acts on no
        distance the target has, so it cannot pull the search away from the target's close pairs."""
        if not shortest > 0:
            raise ConfigError("GRS core: the target's shortest distance is unknown (a target built from "
                              "descriptor values); give core.scale as a number")
        widest = 2.0 * max(covalent_radii[atomic_numbers[s]] for s in elements)
        return cls(epsilon=epsilon, scale=min(cap, margin * shortest / widest))

    def sigma(self, numbers: np.ndarray) -> np.ndarray:
        """Per-atom half diameters scale·R_i, Å, shape (n_atoms,)."""
        return self.scale * covalent_radii[numbers]

    def compute(self, atoms, *, stress: bool = True) -> tuple[float, np.ndarray, np.ndarray | None]:
        """Energy, forces (n_atoms, 3) and ASE-sign Voigt stress (6,) (None if not asked or not periodic)."""
        n = len(atoms)
        forces = np.zeros((n, 3))
        want = stress and bool(atoms.pbc.all())
        if self.epsilon == 0 or n == 0:
            return 0.0, forces, (np.zeros(6) if want else None)
        radius = self.sigma(atoms.numbers)
        nl = neighbor_list(atoms, 2.0 * radius.max())
        sig = radius[nl.i] + radius[nl.j]
        inside = (nl.distances < sig) & (nl.distances > 0)
        r, sig, vec = nl.distances[inside], sig[inside], nl.vectors[inside]
        x = 1.0 - r / sig
        energy = 0.5 * self.epsilon * float(np.sum(x ** 3))
        dphi = -3.0 * self.epsilon * x ** 2 / sig  # dφ/dr
        g = (0.5 * dphi / r)[:, None] * vec  # ∂E/∂(r_j − r_i), (n_in, 3)
        i, j = nl.i[inside], nl.j[inside]
        for c in range(3):
            forces[:, c] = -np.bincount(j, g[:, c], minlength=n) + np.bincount(i, g[:, c], minlength=n)
        out = None
        if want:
            sigma = g.T @ vec / atoms.get_volume()
            out = matrix_to_voigt(0.5 * (sigma + sigma.T))
        return energy, forces, out
