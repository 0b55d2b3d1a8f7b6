import os
from datetime import timedelta

from flask import Flask


def create_app():
    app = Flask(__name__)
    # the key signs the session cookie: it comes from the environment, never from the code
    app.secret_key = os.environ["SECRET_KEY"]
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(days=7)

    from auth import bp as auth_bp
    from cart import bp as cart_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(cart_bp)
    return app
