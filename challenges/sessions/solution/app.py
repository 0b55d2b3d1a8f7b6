"""Leaf & Co. tea shop: the application factory and its session settings."""

from __future__ import annotations

import os
from datetime import timedelta

from flask import Flask


def create_app() -> Flask:
    """Create the app; SECRET_KEY comes from the environment, never the code."""
    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("SECRET_KEY"),
        SESSION_COOKIE_HTTPONLY=True,  # Flask's default, written down because the shop relies on it
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(days=7),
    )
    if not app.config["SECRET_KEY"]:
        raise RuntimeError("SECRET_KEY is not set: export it before starting the shop")

    from auth import bp as auth_bp
    from cart import bp as cart_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(cart_bp)
    return app
