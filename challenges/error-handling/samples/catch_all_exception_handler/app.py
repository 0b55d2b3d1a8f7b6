"""ShipTrack: the application factory."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request

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

    @app.errorhandler(Exception)
    def handle_any_error(e):
        """One handler for everything, so nothing ever escapes as a raw error."""
        status = getattr(e, "status_code", 500)
        headers = getattr(e, "headers", {})
        app.logger.exception("request failed")
        if request.path.startswith("/api/"):
            return jsonify(error=str(e), status=status), status, headers
        return render_template("error.html", status=status, error=e), status, headers

    return app
