"""Pinboard: the application factory and its routes."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, current_app, session

from .config import Config


def mask_database_url(url: str) -> str:
    """Return the URL with its password replaced by ***, everything else kept."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    netloc = f"{parts.username or ''}:***@{host}"
    return urlunsplit(parts._replace(netloc=netloc))


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create the app: Config defaults, then APP_* and DATABASE_URL, then test_config."""
    app = Flask(__name__)
    app.config.from_object(Config)
    # APP_GREETING -> GREETING; values are parsed as JSON, so "50" is 50 and "false" is False.
    app.config.from_prefixed_env(prefix="APP")
    if "DATABASE_URL" in os.environ:
        app.config["DATABASE_URL"] = os.environ["DATABASE_URL"]
    if test_config is not None:
        app.config.from_mapping(test_config)

    @app.get("/")
    def index():
        """Greet the visitor, unless the service is in maintenance."""
        if current_app.config["MAINTENANCE"]:
            return {"error": "down for maintenance"}, 503, {"Retry-After": "120"}
        return {"message": current_app.config["GREETING"]}

    @app.get("/health")
    def health():
        """Tell load balancers the process is up."""
        return {"status": "ok"}

    @app.get("/config-check")
    def config_check():
        """Show the effective non-secret settings; secrets only as "is it set"."""
        config = current_app.config
        return {
            "greeting": config["GREETING"],
            "items_per_page": config["ITEMS_PER_PAGE"],
            "maintenance": config["MAINTENANCE"],
            "timezone": config["TIMEZONE"],
            "debug": current_app.debug,
            "database_url": mask_database_url(config["DATABASE_URL"]),
            "secret_key_set": bool(config["SECRET_KEY"]),
        }

    @app.get("/visits")
    def visits():
        """Count this browser's visits in the signed session cookie."""
        session["visits"] = session.get("visits", 0) + 1
        return {"visits": session["visits"]}

    return app
