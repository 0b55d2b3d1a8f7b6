"""Acme Tea Co.: one app, three blueprints."""

from flask import Flask, jsonify, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from . import catalog
from .admin import admin_bp
from .api import api_bp
from .shop import shop_bp


def create_app():
    app = Flask(__name__)
    app.config.from_prefixed_env()  # FLASK_ADMIN_TOKEN -> app.config["ADMIN_TOKEN"]
    catalog.init_app(app)

    # each blueprint is a self-contained module: views, templates, hooks
    app.register_blueprint(shop_bp, url_prefix="/shop")
    app.register_blueprint(shop_bp, url_prefix="/partner/acme", name="partner")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(api_bp, url_prefix="/api/v1")

    @app.route("/")
    def index():
        return redirect(url_for("shop.index"))

    # 404/405 from routing happen before any blueprint is chosen, so a blueprint's own
    # errorhandler never sees them: decide JSON vs HTML by the path here
    @app.errorhandler(HTTPException)
    def handle_http_error(e):
        if request.path == "/api/v1" or request.path.startswith("/api/v1/"):
            response = jsonify(error=e.description)
            response.status_code = e.code
            if e.code == 405:
                response.headers["Allow"] = ", ".join(e.valid_methods)
            return response
        return render_template("error.html", error=e), e.code

    return app
