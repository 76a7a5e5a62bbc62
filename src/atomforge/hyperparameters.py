"""Hyperparameters read off a constructor: the one mechanism behind ``to_dict``/``from_dict`` of
descriptors and models and the per-class sections of the fit config.

A class's hyperparameters are the keyword-only parameters of its ``__init__``, stored under the
same attribute names; their annotations are the types the fit config validates YAML values
against (:mod:`atomforge.fitting.config`).
"""

from __future__ import annotations

import difflib
import inspect
import typing

import numpy as np

from .errors import ConfigError


def hyperparameters(cls) -> dict[str, inspect.Parameter]:
    """Name → :class:`inspect.Parameter` of each keyword-only constructor parameter, in order."""
    return {k: p for k, p in inspect.signature(cls.__init__).parameters.items()
            if p.kind is inspect.Parameter.KEYWORD_ONLY}


def hyperparameter_types(cls) -> dict[str, object]:
    """Name → resolved annotation of each hyperparameter (``typing.Any`` where none is given)."""
    hints = typing.get_type_hints(cls.__init__)
    return {k: hints.get(k, typing.Any) for k in hyperparameters(cls)}


def jsonable(value):
    """``value`` with NumPy scalars/arrays and tuples turned into plain Python (for JSON)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def check_keys(owner: str, given, allowed, *, what: str = "hyperparameter") -> None:
    """Raise :class:`ConfigError` if ``given`` has keys outside ``allowed``, with a suggestion each.

    The message names ``owner``, every unknown key, the nearest allowed one ("did you mean") and
    all allowed keys: ``Bispectrum: unknown hyperparameter(s) ['twojmx']; 'twojmx': did you mean
    'twojmax'? known: [...]``.
    """
    allowed = list(allowed)
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        hints = [f"{key!r}: did you mean {close[0]!r}?" for key in unknown
                 if (close := difflib.get_close_matches(key, allowed, n=1))]
        raise ConfigError(f"{owner}: unknown {what}(s) {unknown}; " + " ".join(hints + [f"known: {allowed}"]))
