"""Parcelly shipping API."""

import re
import time
import uuid

from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException

from . import api, journal

VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def create_app(test_config=None):
    """Create the API."""
    app = Flask(__name__)
    app.config.from_mapping(API_KEY=None, CARRIER_LATENCY_MS=150)
    if test_config is None:
        app.config.from_prefixed_env()  # FLASK_API_KEY, FLASK_CARRIER_LATENCY_MS
    else:
        app.config.from_mapping(test_config)

    journal.init_app(app)

    # 1. before_request: runs before every view, in registration order.
    @app.before_request
    def assign_request_id():
        g.start = time.perf_counter()
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if VALID_ID.match(incoming) else str(uuid.uuid4())
        journal.start(g.request_id, request.method, request.path)

    @app.before_request
    def check_api_key():
        if request.path == "/api" or request.path.startswith("/api/"):
            key = app.config.get("API_KEY")
            if not key or request.headers.get("X-API-Key") != key:
                return jsonify(error="unauthorized", request_id=g.request_id), 401
        return None

    # 2. after_request: runs on the response, can change headers.
    @app.after_request
    def add_headers(response):
        elapsed = (time.perf_counter() - g.start) * 1000
        response.headers["X-Request-ID"] = g.request_id
        response.headers["Server-Timing"] = f"app;dur={elapsed:.2f}"
        journal.set_status(g.request_id, response.status_code)
        return response

    # 3. teardown_request: always runs, receives the exception if there was one.
    @app.teardown_request
    def close_record(exc):
        journal.finish(g.request_id, exc)

    # One error handler for everything, so every error is JSON.
    @app.errorhandler(Exception)
    def handle_error(e):
        code = e.code if isinstance(e, HTTPException) else 500
        return jsonify(error=str(e), request_id=g.request_id), code

    app.register_blueprint(api.bp, url_prefix="/api")

    @app.get("/health")
    def health():
        """Report liveness; no API key needed."""
        return {"status": "ok"}

    return app
