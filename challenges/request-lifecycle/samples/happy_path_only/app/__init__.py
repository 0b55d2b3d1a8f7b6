"""Parcelly shipping API."""

import time
import uuid

from flask import Flask, g, request

from . import api, journal


def create_app(test_config=None):
    app = Flask(__name__)
    app.config.from_mapping(API_KEY=None, CARRIER_LATENCY_MS=150)
    if test_config is None:
        app.config.from_prefixed_env()
    else:
        app.config.from_mapping(test_config)

    journal.init_app(app)

    @app.before_request
    def start():
        g.start = time.time()
        g.request_id = request.headers.get("X-Request-ID") or str(uuid.uuid4())
        journal.start(g.request_id, request.method, request.path)

    app.register_blueprint(api.bp, url_prefix="/api")

    @app.get("/health")
    def health():
        return api.respond({"status": "ok"})

    return app
