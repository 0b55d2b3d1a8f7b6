"""Application factory for the library catalogue API."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from . import authors, books, db, errors


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the app: database, JSON errors, the two resource blueprints."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI="sqlite:///" + os.path.join(app.instance_path, "library.sqlite"),
    )
    if test_config is not None:
        app.config.update(test_config)

    db.init_app(app)
    errors.init_app(app)
    app.register_blueprint(authors.bp)
    app.register_blueprint(books.bp)
    return app
