from urllib.parse import urlparse

from flask import Flask, jsonify, session

from .config import Config


def _hide_password(url):
    parsed = urlparse(url)
    if not parsed.password:
        return url
    return url.replace(f":{parsed.password}@", ":***@", 1)


def create_app(test_config=None):
    app = Flask(__name__)
    app.config.from_object(Config)
    if test_config:
        app.config.update(test_config)

    @app.route("/")
    def index():
        if app.config["MAINTENANCE"]:
            return jsonify(error="down for maintenance"), 503, {"Retry-After": "120"}
        return jsonify(message=app.config["GREETING"])

    @app.route("/health")
    def health():
        return jsonify(status="ok")

    @app.route("/config-check")
    def config_check():
        return jsonify(
            greeting=app.config["GREETING"],
            items_per_page=app.config["ITEMS_PER_PAGE"],
            maintenance=app.config["MAINTENANCE"],
            timezone=app.config["TIMEZONE"],
            debug=app.debug,
            database_url=_hide_password(app.config["DATABASE_URL"]),
            secret_key_set=app.config["SECRET_KEY"] is not None,
        )

    @app.route("/visits")
    def visits():
        session["visits"] = session.get("visits", 0) + 1
        return jsonify(visits=session["visits"])

    return app
