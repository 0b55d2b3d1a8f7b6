"""Parcelly shipping API: the application factory."""

from flask import Flask

from . import api, journal


def create_app(test_config=None):
    """Create the API."""
    app = Flask(__name__)
    app.config.from_mapping(API_KEY=None, CARRIER_LATENCY_MS=150)
    if test_config is None:
        app.config.from_prefixed_env()  # FLASK_API_KEY, FLASK_CARRIER_LATENCY_MS
    else:
        app.config.from_mapping(test_config)

    journal.init_app(app)

    # TODO (before_request): give each request its id (a valid incoming X-Request-ID, or a new
    #   uuid4), start its timer, and open its journal record (journal.start).
    # TODO (before_request): refuse /api and /api/... requests without the right X-API-Key
    #   (401). Mind the order in which before_request functions run.
    # TODO (after_request): X-Request-ID and Server-Timing (app;dur=<ms>) on every response,
    #   and the response's status in the journal (journal.set_status).
    # TODO (teardown_request): close the journal record (journal.finish), with the exception.
    # TODO: every error answer as JSON {"error": ..., "request_id": ...}; a 500 reveals nothing.

    app.register_blueprint(api.bp, url_prefix="/api")

    @app.get("/health")
    def health():
        """Report liveness; no API key needed."""
        return {"status": "ok"}

    return app
