import os

from flask import Flask


def create_app(test_config=None):
    app = Flask(__name__)
    app.secret_key = os.environ["SECRET_KEY"]

    from auth import bp as auth_bp
    from cart import bp as cart_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(cart_bp)
    return app
