"""Registration, login, logout, and the helpers that guard views."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from .db import User, db

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
# HTML pages send anonymous visitors to the login form; JSON endpoints answer 401.
login_manager.login_view = "auth.login"
login_manager.blueprint_login_views = {"api": None, "admin": None}

USERNAME_RE = re.compile(r"[A-Za-z0-9_]{3,32}")
MIN_PASSWORD_LENGTH = 8
INVALID_LOGIN = "invalid username or password"


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    # Loaded on every request, so a role change applies to the user's very next request.
    return db.session.get(User, int(user_id))


def init_app(app: Flask) -> None:
    """Attach the login manager and create the admin account named in the config."""
    login_manager.init_app(app)
    name, password = app.config.get("ADMIN_USERNAME"), app.config.get("ADMIN_PASSWORD")
    if not (name and password):
        return
    with app.app_context():
        admin = db.session.execute(db.select(User).filter_by(username=name)).scalar_one_or_none()
        if admin is None:
            admin = User(username=name)
            db.session.add(admin)
        admin.role = "admin"
        admin.set_password(password)
        db.session.commit()


def role_required(role: str) -> Callable:
    """Require a logged-in user (401 otherwise) with the given role (403 otherwise)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any):
            if current_user.role != role:
                abort(403, f"requires the {role} role")
            return view(*args, **kwargs)

        return wrapped

    return decorator


def is_safe_next(target: str | None) -> bool:
    """Return whether target is a path on this site that no browser would take elsewhere."""
    if not target or not target.startswith("/"):
        return False
    # Werkzeug's redirect() and browsers drop tabs and newlines ("/\t/evil" leaves as "//evil"),
    # and browsers read a backslash as a slash: refuse both, whatever the encoding on the way.
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return False
    return not target.startswith("//")


@bp.post("/register")
def register():
    """Create a user with the "user" role."""
    username = request.form.get("username", "")
    password = request.form.get("password", "")
    if not USERNAME_RE.fullmatch(username):
        abort(400, "username must be 3 to 32 letters, digits or underscores")
    if len(password) < MIN_PASSWORD_LENGTH:
        abort(400, f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    user = User(username=username)
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
    username = request.form.get("username", "")
    password = request.form.get("password", "")
    user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none()
    # One answer for "no such user" and "wrong password": no account enumeration.
    if user is None or not user.check_password(password):
        abort(401, INVALID_LOGIN)
    login_user(user)
    target = request.args.get("next")
    return redirect(target if is_safe_next(target) else url_for("main.dashboard"))


@bp.post("/logout")
def logout():
    """End the session."""
    logout_user()
    return redirect(url_for("auth.login"))
