"""Notes service: the application factory."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from . import db, notes


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the notes service."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        DATABASE=os.path.join(app.instance_path, "notes.sqlite"),
        PAGE_SIZE=20,
    )
    if test_config is None:
        # FLASK_PAGE_SIZE=3 in the environment becomes app.config["PAGE_SIZE"] == 3.
        app.config.from_prefixed_env()
    else:
        app.config.from_mapping(test_config)
    os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
    app.register_blueprint(notes.bp)

    @app.get("/health")
    def health():
        """Report liveness without touching the database."""
        return {"status": "ok"}

    @app.get("/stats")
    def stats():
        """Report how many request connections were opened and closed."""
        return db.counts()

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        """Answer every HTTP error with JSON, the API's only content type."""
        return jsonify(error=e.description), e.code

    return app
