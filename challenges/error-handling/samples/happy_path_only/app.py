"""ShipTrack: the application factory."""

from flask import Flask, jsonify, render_template

from errors import ShipTrackError
from parcels import ParcelStore


def create_app(test_config=None):
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
        return jsonify(error=e.message, status=e.status_code), e.status_code

    @app.errorhandler(404)
    def page_not_found(e):
        return render_template("404.html"), 404

    @app.errorhandler(500)
    def server_error(e):
        return render_template("500.html"), 500

    return app
