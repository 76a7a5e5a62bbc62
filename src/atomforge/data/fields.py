"""Turning raw fields of a foreign file into checked arrays, with errors that name file, frame, field.

Shared by every reader so that a wrong shape, a non-number or an unknown element symbol reads
the same whatever the format.
"""

from __future__ import annotations

import numbers

import numpy as np
from ase.data import atomic_numbers

from ..errors import DataError


def as_array(value, shape: tuple, *, source, frame: int, field: str) -> np.ndarray:
    """``value`` as a float64 array of ``shape`` (``-1`` matches any length).

    Raises
    ------
    DataError
        If ``value`` is missing, not numeric, ragged, or of another shape.
    """
    if value is None:
        raise DataError(f"missing; expected an array of shape {_shape_text(shape)}",
                        source=source, frame=frame, field=field)
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError) as err:
        raise DataError(f"expected numbers in an array of shape {_shape_text(shape)} "
                        f"({err})", source=source, frame=frame, field=field) from err
    if arr.ndim != len(shape) or any(s != -1 and s != a for s, a in zip(shape, arr.shape)):
        raise DataError(f"expected shape {_shape_text(shape)}, got {arr.shape}",
                        source=source, frame=frame, field=field)
    return arr


def as_float(value, *, source, frame: int, field: str) -> float:
    """``value`` as a float; a missing or non-numeric value raises :class:`DataError`."""
    if value is None:
        raise DataError("missing; every frame needs it (remove the frame or add the value)",
                        source=source, frame=frame, field=field)
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, str)):
        raise DataError(f"expected a number, got {type(value).__name__}",
                        source=source, frame=frame, field=field)
    try:
        return float(value)
    except (ValueError, OverflowError) as err:
        raise DataError(f"expected a number, got {value!r}", source=source, frame=frame,
                        field=field) from err


def symbols_to_numbers(symbols, *, source, frame: int, field: str) -> np.ndarray:
    """Chemical symbols to atomic numbers, int64; an unknown symbol raises :class:`DataError`."""
    if not isinstance(symbols, (list, tuple)) or not symbols:
        raise DataError("expected a non-empty list of element symbols", source=source,
                        frame=frame, field=field)
    numbers = np.empty(len(symbols), dtype=np.int64)
    for k, s in enumerate(symbols):
        z = atomic_numbers.get(s) if isinstance(s, str) else None
        if not z:  # also rejects the placeholder "X" (atomic number 0)
            raise DataError(f"unknown element symbol {s!r} at atom {k}; use a symbol of the "
                            "periodic table such as 'Cu'", source=source, frame=frame,
                            field=field)
        numbers[k] = z
    return numbers


def _shape_text(shape: tuple) -> str:
    return "(" + ", ".join("n" if s == -1 else str(s) for s in shape) + (",)" if len(shape) == 1 else ")")
