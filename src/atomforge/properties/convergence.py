"""Supercell convergence of a defect energy: grow the cell until the value stops moving.

A point defect in a periodic n×n×n supercell interacts elastically with its images, and the
interaction energy falls as 1/N with the number of atoms N (the strain field of an elastic dipole
decays as 1/r³; see e.g. Varvenne et al., Phys. Rev. B 88, 134102 (2013), Sec. II). From the last
two sizes, E(N) = E∞ + c/N gives

    E(N_k) − E∞ ≈ (E(N_k) − E(N_k−1)) · N_k−1 / (N_k − N_k−1),

which for consecutive n is about (n − 1)/3 times the last difference: two sizes that differ by
4 meV can still be 7 meV from the limit (Ta06A SNAP vacancy, 250 → 432 atoms). The rule here
grows n by one until both the last difference and this remaining-error estimate are below the
tolerance, or the next cell would exceed ``max_atoms`` (then the value is flagged unconverged).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class SizePoint:
    """One supercell of a series.

    Attributes
    ----------
    n : int (repeats of the conventional cell along each axis)
    n_atoms : int (atoms of the perfect supercell)
    value : float, eV
    result : object (what the computation returned, e.g. a DefectResult)
    """

    n: int
    n_atoms: int
    value: float
    result: object = None


@dataclass
class SizeSeries:
    """A convergence series and its verdict.

    Attributes
    ----------
    points : list of SizePoint (increasing size)
    tolerance : float, eV
    converged : bool
    note : str (why it stopped, in words)
    """

    points: list[SizePoint] = field(default_factory=list)
    tolerance: float = 0.005
    converged: bool = False
    note: str = ""

    @property
    def value(self) -> float:
        """The value of the largest cell (eV)."""
        return self.points[-1].value

    @property
    def difference(self) -> float | None:
        """Last value minus the one before (eV), or None with one size."""
        return self.points[-1].value - self.points[-2].value if len(self.points) > 1 else None

    @property
    def error_estimate(self) -> float | None:
        """Estimated distance of the last value from the large-cell limit (eV), from E = E∞ + c/N."""
        if len(self.points) < 2:
            return None
        a, b = self.points[-2], self.points[-1]
        return abs(b.value - a.value) * a.n_atoms / (b.n_atoms - a.n_atoms)

    @property
    def extrapolated(self) -> float | None:
        """E∞ of E = E∞ + c/N through the last two sizes (eV); for information, not reported as the value."""
        if len(self.points) < 2:
            return None
        a, b = self.points[-2], self.points[-1]
        return b.value + (b.value - a.value) * a.n_atoms / (b.n_atoms - a.n_atoms)

    def within_tolerance(self) -> bool:
        """Both the last difference and the remaining-error estimate below the tolerance."""
        if len(self.points) < 2:
            return False
        return max(abs(self.difference), self.error_estimate) < self.tolerance


def converge_supercell(compute: Callable[[int], float | tuple[float, object]], atoms_per_cell: int, *,
                       tolerance: float = 0.005, start: int = 2, max_atoms: int = 2000,
                       sizes: list[int] | None = None) -> SizeSeries:
    """Run ``compute(n)`` on growing n×n×n supercells until the value converges.

    Parameters
    ----------
    compute : callable
        ``compute(n)`` returns the value (eV), or (value, result object), for an n×n×n supercell.
    atoms_per_cell : int
        Atoms of the conventional cell (fcc 4, bcc 2, diamond 8), to count atoms before computing.
    tolerance : float, eV
    start : int
        Smallest n.
    max_atoms : int
        No cell with more atoms than this is computed; a series that stops here is unconverged.
    sizes : list of int, optional
        Compute exactly these n instead (the verdict still comes from the last two).

    Returns
    -------
    SizeSeries
    """
    series = SizeSeries(tolerance=tolerance)

    def add(n):
        out = compute(n)
        value, result = out if isinstance(out, tuple) else (out, None)
        series.points.append(SizePoint(n, atoms_per_cell * n**3, float(value), result))

    if sizes is not None:
        for n in sizes:
            add(int(n))
        series.converged = series.within_tolerance()
        series.note = ("one size only: convergence not checked" if len(series.points) < 2 else
                       "given sizes; " + ("within" if series.converged else "not within") + " the tolerance")
        return series
    n = start
    while True:
        add(n)
        if series.within_tolerance():
            series.converged = True
            series.note = f"converged: the last two sizes and the 1/N estimate agree within {1000 * tolerance:g} meV"
            return series
        n += 1
        if atoms_per_cell * n**3 > max_atoms:
            series.note = (f"not converged: the next size ({atoms_per_cell * n**3} atoms) exceeds max_atoms "
                           f"{max_atoms}" if len(series.points) > 1 else
                           f"one size only ({series.points[-1].n_atoms} atoms): convergence not checked")
            return series
