"""Pinboard: the application factory and its routes."""

from flask import Flask

from .config import Config


def create_app(test_config=None):
    """Create and configure the app."""
    app = Flask(__name__)
    app.config.from_object(Config)

    # TODO: override the defaults from the environment (APP_* variables and DATABASE_URL),
    # converted to the right types, then apply test_config.

    @app.get("/")
    def index():
        return {"message": app.config["GREETING"]}

    @app.get("/health")
    def health():
        return {"status": "ok"}

    @app.get("/config-check")
    def config_check():
        # TODO: the effective non-secret settings; secrets must never appear here.
        return {}

    # TODO: GET /visits, counting visits in the session

    return app
