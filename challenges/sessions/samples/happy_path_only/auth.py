from flask import Blueprint, jsonify, request, session

from users import check_credentials

bp = Blueprint("auth", __name__)


@bp.post("/login")
def login():
    data = request.get_json()
    if not check_credentials(data.get("username"), data.get("password")):
        return jsonify(error="invalid username or password"), 401
    session["user"] = data["username"]
    return jsonify(username=data["username"])


@bp.post("/logout")
def logout():
    session.pop("user", None)
    return jsonify(ok=True)


@bp.get("/me")
def me():
    if "user" not in session:
        return jsonify(error="not logged in"), 401
    return jsonify(username=session["user"])
