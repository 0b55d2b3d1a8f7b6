"""ShipTrack: the application factory."""

from __future__ import annotations

import errors
from flask import Flask
from parcels import ParcelStore


def create_app() -> Flask:
    """Create the app: pages, the JSON API under /api, and the error handlers."""
    app = Flask(__name__)
    app.extensions["parcels"] = ParcelStore()

    from api import bp as api_bp
    from pages import bp as pages_bp

    app.register_blueprint(pages_bp)
    app.register_blueprint(api_bp, url_prefix="/api")
    errors.init_app(app)
    return app
