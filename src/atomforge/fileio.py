"""Atomic file writes: write to a temporary file beside the target, then rename.

A failure (an exception, or an interrupted process) never leaves a half-written file at the
target path: either the old file (or nothing) or the complete new file is there. The temporary
file gets the permissions of a file opened normally (0666 less the process umask), not the 0600
that ``tempfile.mkstemp`` gives.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomically(path: str | os.PathLike, write: Callable, *, mode: str = "wb") -> None:
    """Call ``write(file)`` on a temporary file beside ``path``, then rename it to ``path``.

    Parameters
    ----------
    path : path-like
        Final location; its parent folder is created if needed.
    write : callable
        Receives an open file object (binary for ``mode="wb"``, text for ``mode="w"``).
    mode : {"wb", "w"}
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, _file_mode())
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def temporary_path(path: str | os.PathLike) -> Path:
    """A fresh, unused path beside ``path`` for a writer that needs a file name, not a file object.

    Rename it onto ``path`` with :func:`os.replace` once it is complete.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.fchmod(fd, _file_mode())
    os.close(fd)
    return Path(tmp)


def _file_mode() -> int:
    """0o666 less the process umask: the mode ``open(path, "w")`` would give a new file."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
