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
        """Set the user's password."""
        self.password_hash = password

    def check_password(self, password: str) -> bool:
        """Return whether the password is right."""
        return self.password_hash == password

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def to_dict(self) -> dict[str, object]:
        """Return the public fields (no password hash)."""
        return {"id": self.id, "username": self.username, "role": self.role}


def init_app(app: Flask) -> None:
    """Bind the database to the app and create the tables."""
    db.init_app(app)
    with app.app_context():
        db.create_all()
