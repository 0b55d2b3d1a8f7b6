"""Registration, login, logout, and the helpers that guard views."""

from __future__ import annotations

import re

from flask import Blueprint, Flask, abort, jsonify, render_template, request
from flask_login import LoginManager
from sqlalchemy.exc import IntegrityError

from .db import User, db

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
# TODO: anonymous visitors of HTML pages go to the login form; JSON endpoints answer 401.

USERNAME_RE = re.compile(r"[A-Za-z0-9_]{3,32}")
MIN_PASSWORD_LENGTH = 8


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


def init_app(app: Flask) -> None:
    """Attach the login manager."""
    login_manager.init_app(app)
    # TODO: create (or update) the admin account named by ADMIN_USERNAME / ADMIN_PASSWORD.


@bp.post("/register")
def register():
    """Create a user with the "user" role."""
    username = request.form.get("username", "")
    password = request.form.get("password", "")
    if not USERNAME_RE.fullmatch(username):
        abort(400, "username must be 3 to 32 letters, digits or underscores")
    if len(password) < MIN_PASSWORD_LENGTH:
        abort(400, f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    user = User(username=username, role="user")
    user.set_password(password)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        abort(409, f"username {username!r} is taken")
    return jsonify(user.to_dict()), 201


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form, or check the credentials and start a session."""
    if request.method == "GET":
        return render_template("auth/login.html")
    # TODO: check the credentials (401 {"error": ...} on failure, the same for both causes),
    # log the user in, then redirect to a *safe* ?next= or to /dashboard.
    abort(501, "login is not implemented yet")


@bp.post("/logout")
def logout():
    """End the session."""
    # TODO: log the user out and redirect to /login.
    abort(501, "logout is not implemented yet")
