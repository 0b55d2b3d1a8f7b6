from functools import wraps

from flask import Blueprint, jsonify, request, session

from users import check_credentials

bp = Blueprint("auth", __name__)


def login_required(f):
    @wraps(f)
    def decorated(*args, **kwargs):
        if "username" not in session:
            return jsonify(error="not logged in"), 401
        return f(*args, **kwargs)

    return decorated


@bp.route("/login", methods=["POST"])
def login():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        data = {}
    username = data.get("username")
    if not check_credentials(username, data.get("password")):
        return jsonify(error="invalid username or password"), 401
    session.clear()  # no session fixation: a new login gets a new session
    session["username"] = username
    session.permanent = data.get("remember") is True
    return jsonify(username=username)


@bp.route("/logout", methods=["POST"])
def logout():
    session.clear()
    return jsonify(ok=True)


@bp.route("/me")
@login_required
def me():
    return jsonify(username=session["username"])
