"""Notes service: the application factory."""

from __future__ import annotations

import contextlib
import os

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from . import db, notes


def create_app() -> Flask:
    """Create and configure the notes service."""
    app = Flask(__name__)
    app.config.from_mapping(
        DATABASE=os.path.join(app.instance_path, "notes.sqlite"),
        PAGE_SIZE=20,
    )
    # FLASK_PAGE_SIZE=3 in the environment becomes app.config["PAGE_SIZE"] == 3.
    app.config.from_prefixed_env()
    with contextlib.suppress(FileExistsError):
        os.makedirs(app.instance_path)

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
