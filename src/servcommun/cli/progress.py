"""A progress bar on stderr for long runs, when stderr is a terminal: a pipe, a file or
CI's log gets the final message only, and Rich is not even imported for them."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def with_progress(items: Iterable[T], total: int, description: str) -> Iterator[T]:
    """``items``, advancing a bar of ``total`` steps on stderr as each one is taken."""
    if not sys.stderr.isatty():
        yield from items
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    columns = (
        "{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    try:
        with Progress(*columns, console=Console(file=sys.stderr), transient=True) as progress:
            task = progress.add_task(description, total=total)
            for item in items:
                yield item
                progress.advance(task)
    finally:  # left early: what makes the items stops too
        close = getattr(items, "close", None)
        if close is not None:
            close()
