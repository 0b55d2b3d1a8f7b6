"""Owns the database: the Flask-SQLAlchemy object and the User model."""

from __future__ import annotations

from flask import Flask
from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)

ROLES = ("user", "admin")


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="user")

    def set_password(self, password: str) -> None:
        # TODO: store a salted hash (werkzeug.security.generate_password_hash), never the password.
        raise NotImplementedError("User.set_password")

    def check_password(self, password: str) -> bool:
        # TODO: compare with werkzeug.security.check_password_hash.
        raise NotImplementedError("User.check_password")

    def to_dict(self) -> dict[str, object]:
        """Return the public fields (no password hash)."""
        return {"id": self.id, "username": self.username, "role": self.role}


def init_app(app: Flask) -> None:
    """Bind the database to the app and create the tables."""
    db.init_app(app)
    with app.app_context():
        db.create_all()
