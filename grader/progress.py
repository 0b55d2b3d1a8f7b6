"""Progress on the terminal: a live bar with counts on a TTY, plain lines otherwise."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


@contextmanager
def progress_lines(total: int, label: str) -> Iterator[Callable[[str], None]]:
    """Yield ``done(line)``, called once per finished item from any thread."""
    lock = threading.Lock()
    if not sys.stderr.isatty():
        count = 0

        def plain(line: str) -> None:
            nonlocal count
            with lock:
                count += 1
                print(f"[{count}/{total}] {line}", file=sys.stderr, flush=True)

        yield plain
        return
    columns = (
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
    )  # fmt: skip
    with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
        task = bar.add_task(label, total=total)

        def live(line: str) -> None:
            with lock:
                bar.console.print(line)
                bar.advance(task)

        yield live
