"""Logging in and out."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from users import check_credentials

bp = Blueprint("auth", __name__)


@bp.post("/login")
def login():
    """Log in with {"username", "password", "remember"}."""
    data = request.get_json(silent=True)
    data = data if isinstance(data, dict) else {}
    username, password = data.get("username"), data.get("password")
    if not check_credentials(username, password):
        return jsonify(error="invalid username or password"), 401
    # TODO: remember in the session who logged in (see README.md for "remember").
    return jsonify(username=username)


@bp.post("/logout")
def logout():
    """Log out."""
    # TODO: end the session.
    return jsonify(ok=True)


@bp.get("/me")
def me():
    """Say who is logged in."""
    # TODO: answer with the logged-in user.
    return jsonify(error="not logged in"), 401
