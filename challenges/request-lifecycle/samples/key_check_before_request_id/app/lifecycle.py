"""Request lifecycle hooks: request id, timing, and the journal of every request."""

from __future__ import annotations

import re
import time
import uuid

from flask import Flask, Response, g, request

from . import journal

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def start_request() -> None:
    """Give the request its id, start its timer and open its journal record."""
    g.started = time.perf_counter()
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if REQUEST_ID.fullmatch(incoming) else str(uuid.uuid4())
    journal.start(g.request_id, request.method, request.path)


def finish_response(response: Response) -> Response:
    """Stamp the request id and the elapsed time on every response."""
    elapsed_ms = (time.perf_counter() - g.started) * 1000
    response.headers["X-Request-ID"] = g.request_id
    response.headers["Server-Timing"] = f"app;dur={elapsed_ms:.1f}"
    journal.set_status(g.request_id, response.status_code)
    return response


def end_request(exc: BaseException | None) -> None:
    """Close the journal record; runs even when the view raised."""
    journal.finish(g.request_id, exc)


def init_app(app: Flask) -> None:
    """Register the hooks on the app."""
    app.before_request(start_request)
    app.after_request(finish_response)
    app.teardown_request(end_request)
