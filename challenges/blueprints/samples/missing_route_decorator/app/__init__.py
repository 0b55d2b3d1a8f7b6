"""Acme Tea Co.: the application factory assembles the shop, admin and API blueprints."""

from __future__ import annotations

from typing import Any

from flask import Flask, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from . import admin, api, catalog, shop

API_PREFIX = "/api/v1"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the app: configuration, the catalogue, and every blueprint under its prefix."""
    app = Flask(__name__)
    app.config.from_mapping(ADMIN_TOKEN=None)
    if test_config is None:
        app.config.from_prefixed_env()  # FLASK_ADMIN_TOKEN -> ADMIN_TOKEN
    else:
        app.config.from_mapping(test_config)

    catalog.init_app(app)
    app.register_blueprint(shop.bp, url_prefix="/shop")
    app.register_blueprint(shop.bp, url_prefix="/partner/acme", name="partner")
    app.register_blueprint(admin.bp, url_prefix="/admin")
    app.register_blueprint(api.bp, url_prefix=API_PREFIX)

    @app.get("/")
    def home():
        """Send visitors to the shop."""
        return redirect(url_for("shop.index"))

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        # unmatched URLs have no blueprint, so check the prefix
        if request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/"):
            return api.error_response(e)
        return render_template("error.html", error=e), e.code

    return app
