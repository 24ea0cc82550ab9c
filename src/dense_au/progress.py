"""Rich progress bars that stay quiet when output is not a terminal (CI logs, tests)."""

from __future__ import annotations

import sys
from typing import Iterable, Iterator, TypeVar

from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)

T = TypeVar("T")


def make_progress(*extra_columns) -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), TimeRemainingColumn(), *extra_columns,
                    disable=not sys.stderr.isatty(), transient=False)


def progress_bar(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    with make_progress() as progress:
        yield from progress.track(items, total=total, description=description)
