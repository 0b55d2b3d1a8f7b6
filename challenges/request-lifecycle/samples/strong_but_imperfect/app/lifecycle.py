"""Request lifecycle hooks: request id, timing, and the journal of every request."""

from __future__ import annotations

import time
import uuid

from flask import Flask, Response, g, request

from . import journal


def start_request() -> None:
    """Give the request its id, start its timer and open its journal record."""
    g.started = time.perf_counter()
    g.request_id = request.headers.get("X-Request-ID") or str(uuid.uuid4())
    journal.start(g.request_id, request.method, request.path)


def finish_response(response: Response) -> Response:
    """Stamp the request id and the elapsed time on every response Flask finalizes.

    This runs for views, for before_request short-circuits and for error handlers'
    responses, including the 500 Flask builds for an unhandled exception.
    """
    request_id = g.get("request_id")
    if request_id is not None:
        response.headers["X-Request-ID"] = request_id
        journal.set_status(request_id, response.status_code)
    started = g.get("started")
    if started is not None:
        elapsed_ms = (time.perf_counter() - started) * 1000
        response.headers["Server-Timing"] = f"app;dur={elapsed_ms:.1f}"
    return response


def end_request(exc: BaseException | None) -> None:
    """Close the journal record; runs even when the view raised (exc is that exception)."""
    request_id = g.get("request_id")
    if request_id is not None:
        journal.finish(request_id, exc)


def init_app(app: Flask) -> None:
    """Register the hooks on the app (before any other before_request)."""
    app.before_request(start_request)
    app.after_request(finish_response)
    app.teardown_request(end_request)
