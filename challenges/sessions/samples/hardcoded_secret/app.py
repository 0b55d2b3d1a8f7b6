"""Leaf & Co. tea shop: the application factory and its session settings."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app."""
    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY="leafco-2f8a1c9e4b7d6053",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(days=7),
    )
    if test_config:
        app.config.update(test_config)

    from auth import bp as auth_bp
    from cart import bp as cart_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(cart_bp)
    return app
