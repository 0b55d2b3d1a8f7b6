"""Parcelly shipping API: the application factory wires the request lifecycle hooks."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, g
from werkzeug.exceptions import HTTPException

from . import api, auth, journal, lifecycle


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the API; hooks are registered in the order they must run."""
    app = Flask(__name__)
    app.config.from_mapping(API_KEY=None, CARRIER_LATENCY_MS=150)
    if test_config is None:
        app.config.from_prefixed_env()  # FLASK_API_KEY, FLASK_CARRIER_LATENCY_MS
    else:
        app.config.from_mapping(test_config)

    journal.init_app(app)
    # Order matters: before_request functions run in registration order, and the first one
    # that returns a response ends the chain. The request id and the timer come first, so
    # that even a request the API key check refuses gets them.
    lifecycle.init_app(app)
    auth.init_app(app)
    app.register_blueprint(api.bp, url_prefix="/api")

    @app.get("/health")
    def health():
        """Report liveness; no API key needed."""
        return {"status": "ok"}

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        """Answer every HTTP error, the 500 of an unhandled exception included, as JSON."""
        response = e.get_response()  # keeps headers such as Allow on a 405
        response.data = json.dumps({"error": e.description, "request_id": g.get("request_id")})
        response.content_type = "application/json"
        return response

    return app
