"""The request journal: what the lifecycle hooks saw of recent requests, by request id."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from flask import Flask, current_app

MAX_RECORDS = 1000


class Journal:
    """A bounded record of recent requests, safe across threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def start(self, request_id: str, method: str, path: str) -> None:
        with self._lock:
            self._records[request_id] = {
                "request_id": request_id,
                "method": method,
                "path": path,
                "status": None,
                "error": None,
                "torn_down": False,
            }
            self._records.move_to_end(request_id)
            while len(self._records) > MAX_RECORDS:
                self._records.popitem(last=False)

    def set_status(self, request_id: str, status: int) -> None:
        with self._lock:
            if request_id in self._records:
                self._records[request_id]["status"] = status

    def finish(self, request_id: str, exc: BaseException | None) -> None:
        with self._lock:
            if request_id in self._records:
                record = self._records[request_id]
                record["torn_down"] = True
                record["error"] = type(exc).__name__ if exc is not None else None

    def get(self, request_id: str) -> dict[str, Any] | None:
        with self._lock:
            record = self._records.get(request_id)
            return dict(record) if record is not None else None


def start(request_id: str, method: str, path: str) -> None:
    """Open the record of a request."""
    current_app.extensions["journal"].start(request_id, method, path)


def set_status(request_id: str, status: int) -> None:
    """Record the status code of the response sent for a request."""
    current_app.extensions["journal"].set_status(request_id, status)


def finish(request_id: str, exc: BaseException | None) -> None:
    """Mark a request torn down, with the exception teardown received (or None)."""
    current_app.extensions["journal"].finish(request_id, exc)


def lookup(request_id: str) -> dict[str, Any] | None:
    """Return a copy of a request's record, or None."""
    return current_app.extensions["journal"].get(request_id)


def init_app(app: Flask) -> None:
    """Give the app its journal."""
    app.extensions["journal"] = Journal()
