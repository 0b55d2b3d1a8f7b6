"""Acme Tea Co."""

import os

from flask import Flask, redirect, url_for

from . import admin, api, catalog, shop


def create_app():
    app = Flask(__name__)
    app.config["ADMIN_TOKEN"] = os.environ.get("FLASK_ADMIN_TOKEN")

    catalog.init_app(app)
    app.register_blueprint(shop.bp, url_prefix="/shop")
    app.register_blueprint(admin.bp, url_prefix="/admin")
    app.register_blueprint(api.bp, url_prefix="/api/v1")

    @app.route("/")
    def home():
        return redirect(url_for("shop.index"))

    return app
