"""ShipTrack: the application factory."""

from __future__ import annotations

from flask import Flask

from parcels import ParcelStore


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app: pages, the JSON API under /api, and the error handlers."""
    app = Flask(__name__)
    if test_config:
        app.config.update(test_config)
    app.extensions["parcels"] = ParcelStore()

    from api import bp as api_bp
    from pages import bp as pages_bp

    app.register_blueprint(pages_bp)
    app.register_blueprint(api_bp, url_prefix="/api")

    # TODO: register error handlers. Under /api every error is JSON
    #       ({"error": ..., "status": ...}); everywhere else it is a friendly HTML page.
    #       A crash must never show its details to the client.
    return app
