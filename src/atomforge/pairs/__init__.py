"""Reference pair potentials added to a fitted model (subtracted from the labels before fitting).

``PAIR_TERMS`` maps a name to its class. A pair term has ``name``, ``cutoff`` (Å),
``evaluate(atoms) -> (energies (n_atoms,), forces (n_atoms, 3), stress (6,) or None)`` and
``to_dict``/``from_dict``.
"""

from ..errors import ConfigError
from .zbl import ZBL

PAIR_TERMS: dict[str, type] = {"zbl": ZBL}


def make_pair(spec: dict):
    """Build a pair term from ``{"name": ..., **settings}``."""
    spec = dict(spec)
    name = spec.pop("name", None)
    if name not in PAIR_TERMS:
        raise ConfigError(f"unknown pair term {name!r}; known: {sorted(PAIR_TERMS)}")
    return PAIR_TERMS[name].from_dict(spec)


__all__ = ["PAIR_TERMS", "ZBL", "make_pair"]
