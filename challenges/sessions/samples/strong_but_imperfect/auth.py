"""Logging in and out."""

from functools import wraps

from flask import Blueprint, jsonify, request, session

from users import check_credentials

bp = Blueprint("auth", __name__)


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if session.get("username") is None:
            return jsonify(error="not logged in"), 401
        return view(*args, **kwargs)

    return wrapper


@bp.post("/login")
def login():
    data = request.get_json(silent=True) or {}
    if not isinstance(data, dict):
        data = {}
    username, password = data.get("username"), data.get("password")
    if not check_credentials(username, password):
        return jsonify(error="invalid username or password"), 401
    session["username"] = username
    session.permanent = bool(data.get("remember"))
    return jsonify(username=username)


@bp.post("/logout")
def logout():
    session.clear()
    return jsonify(ok=True)


@bp.get("/me")
@login_required
def me():
    return jsonify(username=session["username"])
