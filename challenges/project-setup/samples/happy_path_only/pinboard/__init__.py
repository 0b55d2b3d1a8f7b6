from flask import Flask, session

from .config import Config


def create_app():
    app = Flask(__name__)
    app.config.from_object(Config)

    @app.route("/")
    def index():
        if app.config["MAINTENANCE"]:
            return {"error": "down for maintenance"}, 503
        return {"message": app.config["GREETING"]}

    @app.route("/health")
    def health():
        return {"status": "ok"}

    @app.route("/config-check")
    def config_check():
        return {
            "greeting": app.config["GREETING"],
            "items_per_page": app.config["ITEMS_PER_PAGE"],
            "maintenance": app.config["MAINTENANCE"],
            "debug": app.config["DEBUG"],
            "database_url": app.config["DATABASE_URL"],
        }

    @app.route("/visits")
    def visits():
        session["visits"] = session.get("visits", 0) + 1
        return {"visits": session["visits"]}

    return app
