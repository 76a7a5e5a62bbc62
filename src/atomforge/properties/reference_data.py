"""Built-in experimental reference values for common elements (for reports and radar charts).

Keys and units are those of the suite's summary: ``a`` Å, ``E_coh`` eV/atom, ``C11``/``C12``/``C44``
GPa, ``Evf`` eV, ``Evm`` eV, ``gamma_surf`` J/m² (orientation average), ``isf`` mJ/m².
Values are room-temperature experiments unless said, so a 0 K potential is expected to differ by
a fraction of a percent in ``a`` and a few percent in elastic constants.

Sources
-------
- a, E_coh: C. Kittel, *Introduction to Solid State Physics*, 8th ed. (Wiley, 2005), Tables 1.3 and 3.1.
- C11, C12, C44 of Cu, Ni, Al, Ag, Au, Si: Kittel, Table 3.3 (after Huntington); of Mo, Ta, W:
  F. H. Featherston and J. R. Neighbours, Phys. Rev. 130, 1324 (1963): Mo and W at room
  temperature; Ta at 4.2 K (the table's values; 3-7 % stiffer than at 300 K). Cross-checks: W at
  room temperature, R. Wang et al., J. Appl. Phys. 138, 045902 (2025): 523.5, 205.1, 160.8 GPa;
  Ta at 4.2 K, R. G. Leisure, D. K. Hsu and B. A. Seiber, J. Appl. Phys. 44, 3394 (1973):
  C11 270, C44 87.3 GPa, C12 159.4 GPa (from their C_L = 302 GPa).
- Evf, Evm: P. Ehrhart, in Landolt–Börnstein III/25 (Springer, 1991).
- gamma_surf: W. R. Tyson and W. A. Miller, Surf. Sci. 62, 267 (1977) (liquid-metal extrapolation).
- isf (weak-beam electron microscopy): Cu, C. B. Carter and I. L. F. Ray, Philos. Mag. 35, 189
  (1977); Ni (120-130 mJ/m²), C. B. Carter and S. M. Holmes, Philos. Mag. 35, 1161 (1977); Ag
  (16.3 ± 1.7 mJ/m²), D. J. H. Cockayne, I. L. F. Ray and M. J. Whelan, Philos. Mag. 20, 1265
  (1969), "The measurement of stacking-fault energies of pure face-centred cubic metals"; Al:
  L. E. Murr, *Interfacial Phenomena in Metals and Alloys* (Addison-Wesley, 1975).
"""

from __future__ import annotations

from ..errors import ConfigError

#: element → {key: value}; units as in the module docstring.
EXPERIMENT: dict[str, dict[str, float]] = {
    "Cu": {"a": 3.615, "E_coh": 3.49, "C11": 168.4, "C12": 121.4, "C44": 75.4, "Evf": 1.28, "Evm": 0.70,
           "gamma_surf": 1.79, "isf": 45.0},
    "Ni": {"a": 3.524, "E_coh": 4.44, "C11": 246.5, "C12": 147.3, "C44": 124.7, "Evf": 1.79, "Evm": 1.04,
           "gamma_surf": 2.38, "isf": 125.0},
    "Al": {"a": 4.050, "E_coh": 3.39, "C11": 108.2, "C12": 61.3, "C44": 28.5, "Evf": 0.67, "Evm": 0.61,
           "gamma_surf": 1.14, "isf": 166.0},
    "Ag": {"a": 4.086, "E_coh": 2.95, "C11": 124.0, "C12": 93.4, "C44": 46.1, "Evf": 1.11, "Evm": 0.66,
           "gamma_surf": 1.25, "isf": 16.3},
    "Au": {"a": 4.078, "E_coh": 3.81, "C11": 192.3, "C12": 163.1, "C44": 42.0, "Evf": 0.93, "Evm": 0.71,
           "gamma_surf": 1.50},
    "Si": {"a": 5.431, "E_coh": 4.63, "C11": 165.7, "C12": 63.9, "C44": 79.6},
    "Mo": {"a": 3.147, "E_coh": 6.82, "C11": 463.7, "C12": 157.8, "C44": 109.2, "gamma_surf": 2.91},
    "Ta": {"a": 3.303, "E_coh": 8.10, "C11": 266.3, "C12": 158.2, "C44": 87.4, "gamma_surf": 2.90},
    "W": {"a": 3.165, "E_coh": 8.90, "C11": 522.4, "C12": 204.4, "C44": 160.8, "gamma_surf": 3.27},
}


def builtin_reference(element: str) -> dict[str, float]:
    """Experimental values for ``element`` (see the module docstring for sources)."""
    if element not in EXPERIMENT:
        raise ConfigError(f"no built-in reference values for {element!r}; known: {sorted(EXPERIMENT)}; "
                          "pass --reference FILE.json")
    return dict(EXPERIMENT[element])
