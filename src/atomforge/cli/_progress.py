"""A rich progress bar shared by the CLI verbs."""

from __future__ import annotations

from contextlib import contextmanager


@contextmanager
def progress_bars(enabled: bool = True):
    """Yield ``factory(description, total) -> advance(n)``; bars on stderr (nothing if disabled)."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=Console(stderr=True), transient=False) as prog:
        def factory(description, total):
            task = prog.add_task(description, total=total)
            return lambda n=1: prog.advance(task, n)

        yield factory
