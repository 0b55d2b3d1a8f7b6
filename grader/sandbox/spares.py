"""Warm spares: sandboxes started before their job arrives, so a grading skips the start-up.

A spare is a sandbox (a container, or a bare supervisor) already running its supervisor,
whose children have imported Flask and pytest while waiting: it still runs exactly one job and
is removed after it, like any other. Spares are made in the background after each run, for the
limits that run had (the next job is most often the same challenge), at most ``size`` at a time
(the oldest gives way to a newer one); one left idle longer than ``max_idle_s`` is thrown away,
not used, and every spare goes at ``close`` or, failing that, when the process exits.
"""

from __future__ import annotations

import atexit
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

from grader.sandbox import RunLimits

T = TypeVar("T")
MAX_IDLE_S = 300.0  # well inside the supervisor's own wait for a job (JOB_WAIT_S)


@dataclass(frozen=True)
class _Pending(Generic[T]):
    limits: RunLimits
    future: Future[T]
    made_at: float


class Spares(Generic[T]):
    """Makes, hands out and throws away spares; thread-safe."""

    def __init__(
        self,
        make: Callable[[RunLimits], T],
        discard: Callable[[T], None],
        usable: Callable[[T], bool],
        *,
        size: int = 1,
        max_idle_s: float = MAX_IDLE_S,
    ) -> None:
        self._make = make
        self._discard = discard
        self._usable = usable
        self._size = max(1, size)
        self._max_idle_s = max_idle_s
        self._pending: list[_Pending[T]] = []
        self._lock = threading.Lock()
        self._closed = False
        self._makers = ThreadPoolExecutor(max_workers=self._size, thread_name_prefix="spare")
        atexit.register(self.close)

    def take(self, limits: RunLimits) -> T | None:
        """A usable spare made for ``limits`` (waiting for one still starting), else None."""
        while True:
            with self._lock:
                index = next((i for i, p in enumerate(self._pending) if p.limits == limits), None)
                if index is None:
                    return None
                pending = self._pending.pop(index)
            spare = self._result(pending)
            if spare is None:
                continue
            if time.monotonic() - pending.made_at <= self._max_idle_s and self._usable(spare):
                return spare
            self._discard(spare)

    def replenish(self, limits: RunLimits) -> None:
        """Start making a spare for ``limits`` unless ``size`` are already made or on the way;
        at ``size`` spares in all, the oldest is thrown away to make room."""
        with self._lock:
            if self._closed or sum(p.limits == limits for p in self._pending) >= self._size:
                return
            if len(self._pending) >= self._size:
                oldest = self._pending.pop(0)
                oldest.future.add_done_callback(self._discard_when_made)
            try:
                future = self._makers.submit(self._make, limits)
            except RuntimeError:
                return  # the interpreter is shutting down: no more spares
            self._pending.append(_Pending(limits, future, time.monotonic()))

    def close(self) -> None:
        """Wait for spares being made, then throw every spare away; later calls do nothing."""
        with self._lock:
            self._closed = True
            pending, self._pending = self._pending, []
        self._makers.shutdown(wait=True)
        for item in pending:
            spare = self._result(item)
            if spare is not None:
                self._discard(spare)

    def _result(self, pending: _Pending[T]) -> T | None:
        """The spare once made; None if making it failed (the run then starts cold)."""
        try:
            return pending.future.result()
        except Exception:
            return None
        except BaseException:
            # Interrupted while waiting: the spare still comes, and must not outlive us.
            pending.future.add_done_callback(self._discard_when_made)
            raise

    def _discard_when_made(self, future: Future[T]) -> None:
        if future.exception() is None:
            self._discard(future.result())
