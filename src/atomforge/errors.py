"""One exception hierarchy for atomforge.

Every error atomforge raises on purpose derives from :class:`AtomforgeError`, so a caller
(and the CLI, which prints it as one line) can catch them all. Errors about bad values also
derive from :class:`ValueError` so that ``except ValueError`` keeps working.
"""

from __future__ import annotations


class AtomforgeError(Exception):
    """Root of all atomforge errors."""


class DataError(AtomforgeError, ValueError):
    """Bad reference data: a message names the file, the frame index and the field."""

    def __init__(self, message: str, *, source: str | None = None, frame: int | None = None,
                 field: str | None = None):
        where = []
        if source is not None:
            where.append(str(source))
        if frame is not None:
            where.append(f"frame {frame}")
        prefix = ", ".join(where)
        if field is not None:
            message = f"field '{field}': {message}"
        super().__init__(f"{prefix}: {message}" if prefix else message)
        self.source = source
        self.frame = frame
        self.field = field


class ConfigError(AtomforgeError, ValueError):
    """A bad hyperparameter or configuration key."""


class PotentialFileError(AtomforgeError, ValueError):
    """A potential file that cannot be read: truncated, foreign or of a newer version."""


class NotFittedError(AtomforgeError, RuntimeError):
    """A model was used before ``fit``."""


class CacheError(AtomforgeError, ValueError):
    """A cache file written for another setting or other data, or damaged beyond use."""


class ConvergenceError(AtomforgeError, RuntimeError):
    """An optimiser or solver did not converge."""

