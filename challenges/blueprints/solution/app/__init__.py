"""Acme Tea Co.: the application factory assembles the shop, admin and API blueprints."""

from __future__ import annotations

from flask import Flask, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from . import admin, api, catalog, shop

API_PREFIX = "/api/v1"


def create_app() -> Flask:
    """Create the app: configuration, the catalogue, and every blueprint under its prefix."""
    app = Flask(__name__)
    # FLASK_ADMIN_TOKEN -> ADMIN_TOKEN; without it the admin blueprint refuses every request.
    app.config.from_prefixed_env()

    catalog.init_app(app)
    app.register_blueprint(shop.bp, url_prefix="/shop")
    # The same storefront, white-labelled for a partner: a second registration, its own name.
    app.register_blueprint(shop.bp, url_prefix="/partner/acme", name="partner")
    app.register_blueprint(admin.bp, url_prefix="/admin")
    app.register_blueprint(api.bp, url_prefix=API_PREFIX)

    @app.get("/")
    def home():
        """Send visitors to the shop."""
        return redirect(url_for("shop.index"))

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        """Answer every HTTP error: JSON under the API prefix, HTML pages elsewhere.

        A URL that matches no route (or no method) fails in routing, before any blueprint is
        known, so an error handler of the API blueprint would never see those 404s and 405s:
        the prefix decides here instead, for them and for the API views' own aborts.
        """
        if request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/"):
            return api.error_response(e)
        return render_template("error.html", error=e), e.code

    return app
