from flask import Blueprint, current_app, jsonify, session
from sqlalchemy.engine import make_url

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    if current_app.config["MAINTENANCE"]:
        return jsonify(error="down for maintenance"), 503, {"Retry-After": "120"}
    return jsonify(message=current_app.config["GREETING"])


@bp.route("/health")
def health():
    return jsonify(status="ok")


@bp.route("/config-check")
def config_check():
    config = current_app.config
    return jsonify(
        greeting=config["GREETING"],
        items_per_page=config["ITEMS_PER_PAGE"],
        maintenance=config["MAINTENANCE"],
        timezone=config["TIMEZONE"],
        debug=current_app.debug,
        database_url=make_url(config["DATABASE_URL"]).render_as_string(hide_password=True),
        secret_key_set=bool(current_app.secret_key),
    )


@bp.route("/visits")
def visits():
    session["visits"] = session.get("visits", 0) + 1
    return jsonify(visits=session["visits"])
