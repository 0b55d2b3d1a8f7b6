"""Notes service: the application factory."""

import os

from flask import Flask

from . import db, notes


def create_app(test_config=None):
    """Create and configure the notes service."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        DATABASE=os.path.join(app.instance_path, "notes.sqlite"),
        PAGE_SIZE=20,
    )
    if test_config is None:
        # TODO: load FLASK_-prefixed environment variables (FLASK_PAGE_SIZE, FLASK_DATABASE)
        # into app.config.
        pass
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

    # TODO: every error (404, 405, ...) must be a JSON {"error": "..."} response.

    return app
