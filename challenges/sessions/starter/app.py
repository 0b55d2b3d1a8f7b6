"""Leaf & Co. tea shop: the application factory and its session settings."""

from __future__ import annotations

from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app."""
    app = Flask(__name__)
    # TODO: configure the session: the secret key comes from the SECRET_KEY environment
    #       variable (never from the code), and the cookie settings the README asks for.
    if test_config:
        app.config.update(test_config)

    from auth import bp as auth_bp
    from cart import bp as cart_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(cart_bp)
    return app
