"""Application factory for the team wiki's sign-in service."""

from __future__ import annotations

import os

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from . import admin, api, auth, db, main

_ENV_KEYS = ("SECRET_KEY", "ADMIN_USERNAME", "ADMIN_PASSWORD")


def create_app() -> Flask:
    """Create and configure the app: database, login manager, blueprints, JSON errors."""
    app = Flask(__name__)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(
        app.instance_path, "auth.sqlite"
    )
    app.config.update({k: os.environ[k] for k in _ENV_KEYS if k in os.environ})
    if not app.config.get("SECRET_KEY"):
        # Sessions are signed with this key: refuse to run with a guessable default.
        raise RuntimeError("SECRET_KEY is not set; export it before starting the app")

    db.init_app(app)
    auth.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(main.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(admin.bp)

    @app.errorhandler(HTTPException)
    def _json_error(e: HTTPException):
        return jsonify(error=e.description), e.code

    return app
