"""Leaf & Co. tea shop."""

import os
from datetime import timedelta

from flask import Flask


def create_app(test_config=None):
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(days=7)
    if test_config:
        app.config.update(test_config)

    from auth import bp as auth_bp
    from cart import bp as cart_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(cart_bp)
    return app
