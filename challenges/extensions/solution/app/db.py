"""Owns the database: the unbound Flask-SQLAlchemy extension and its init_app."""

from __future__ import annotations

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


# Created without an app: create_app() binds it, so any number of apps (tests) can share it.
db = SQLAlchemy(model_class=Base)


def init_app(app: Flask) -> None:
    """Bind the extension to the app and create missing tables."""
    from . import models  # noqa: F401  (registers the tables on db.metadata)

    db.init_app(app)
    # Flask-SQLAlchemy 3 needs an app context to reach the engine.
    with app.app_context():
        db.create_all()
