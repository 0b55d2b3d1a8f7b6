"""Notes service: the application factory."""

import os

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from . import db, notes


def create_app(test_config=None):
    """Create and configure the notes service."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        DATABASE=os.path.join(app.instance_path, "notes.sqlite"),
        PAGE_SIZE=20,
    )
    if test_config is None:
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
    def handle_http_error(e):
        return jsonify(error=e.description), e.code

    return app
