"""ShipTrack: the application factory."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request

from errors import ShipTrackError
from parcels import ParcelStore


def wants_json() -> bool:
    """The API speaks JSON; the site speaks HTML."""
    return request.path == "/api" or request.path.startswith("/api/")


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

    @app.errorhandler(ShipTrackError)
    def handle_shiptrack_error(e):
        if wants_json():
            return jsonify(e.to_dict()), e.status_code, e.headers
        template = "404.html" if e.status_code == 404 else "error.html"
        return render_template(template, message=e.message), e.status_code, e.headers

    @app.errorhandler(404)
    def not_found(e):
        if wants_json():
            return jsonify(error="not found", status=404), 404
        return render_template("404.html"), 404

    @app.errorhandler(500)
    def internal_error(e):
        if wants_json():
            return jsonify(error="internal server error", status=500), 500
        return render_template("500.html"), 500

    @app.errorhandler(Exception)
    def handle_unexpected(e):
        # Safety net: log the real error for us, show nothing of it to the client.
        app.logger.exception("Unhandled exception on %s", request.path)
        if wants_json():
            return jsonify(error="internal server error", status=500), 500
        return render_template("500.html"), 500

    return app
