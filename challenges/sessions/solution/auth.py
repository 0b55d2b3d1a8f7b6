"""Logging in and out: who is logged in lives in Flask's session (a signed cookie)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import Blueprint, jsonify, request, session
from users import check_credentials

bp = Blueprint("auth", __name__)


def login_required(view: Callable) -> Callable:
    """Answer 401 unless a user is logged in in this session."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if "user" not in session:
            return jsonify(error="not logged in"), 401
        return view(*args, **kwargs)

    return wrapped


@bp.post("/login")
def login():
    """Log in with {"username", "password", "remember"}; a new session starts."""
    data = request.get_json(silent=True)
    data = data if isinstance(data, dict) else {}
    username, password = data.get("username"), data.get("password")
    if not check_credentials(username, password):
        return jsonify(error="invalid username or password"), 401
    # Drop whatever the session held before (another user's login, a cart).
    session.clear()
    session["user"] = username
    if data.get("remember") is True:
        session.permanent = True  # the cookie lasts PERMANENT_SESSION_LIFETIME
    return jsonify(username=username)


@bp.post("/logout")
def logout():
    """End the session: the login and the cart go."""
    session.clear()
    return jsonify(ok=True)


@bp.get("/me")
@login_required
def me():
    """Say who is logged in."""
    return jsonify(username=session["user"])
