"""Owns the database: the Flask-SQLAlchemy object and the User model."""

from __future__ import annotations

from flask import Flask
from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)

ROLES = ("user", "admin")
# scrypt with N=2**14, r=8, p=1: the scrypt paper's setting for interactive logins (16 MiB,
# tens of milliseconds). werkzeug's default, N=2**15, is twice the cost for little gain here.
PASSWORD_HASH_METHOD = "scrypt:16384:8:1"


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(unique=True)
    password_hash: Mapped[str]
    role: Mapped[str] = mapped_column(default="user")

    def set_password(self, password: str) -> None:
        """Store a salted hash of the password, never the password itself."""
        self.password_hash = generate_password_hash(password, method=PASSWORD_HASH_METHOD)

    def check_password(self, password: str) -> bool:
        """Return whether the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    def to_dict(self) -> dict[str, object]:
        """Return the public fields (no password hash)."""
        return {"id": self.id, "username": self.username, "role": self.role}


def init_app(app: Flask) -> None:
    """Bind the database to the app and create the tables."""
    db.init_app(app)
    with app.app_context():
        db.create_all()
