from urllib.parse import urlsplit, urlunsplit

from flask import Flask, session

from .config import Config


def mask_password(url):
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def create_app(test_config=None):
    app = Flask(__name__)
    app.config.from_object(Config)
    if test_config is not None:
        app.config.from_mapping(test_config)

    @app.get("/")
    def index():
        if app.config["MAINTENANCE"]:
            return {"error": "down for maintenance"}, 503, {"Retry-After": "120"}
        return {"message": app.config["GREETING"]}

    @app.get("/health")
    def health():
        return {"status": "ok"}

    @app.get("/config-check")
    def config_check():
        return {
            "greeting": app.config["GREETING"],
            "items_per_page": app.config["ITEMS_PER_PAGE"],
            "maintenance": app.config["MAINTENANCE"],
            "timezone": app.config["TIMEZONE"],
            "debug": app.debug,
            "database_url": mask_password(app.config["DATABASE_URL"]),
            "secret_key_set": bool(app.config["SECRET_KEY"]),
        }

    @app.get("/visits")
    def visits():
        session["visits"] = session.get("visits", 0) + 1
        return {"visits": session["visits"]}

    return app
