"""Trackly, a small project-tracker API: the application factory."""

from __future__ import annotations

import json

from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from .converters import IssueKeyConverter
from .store import Store


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app, with its store, URL converters and JSON error pages."""
    app = Flask(__name__)
    if test_config is not None:
        app.config.from_mapping(test_config)

    # Production runs behind a proxy that mounts the app under a prefix and says so in
    # X-Forwarded-Prefix; ProxyFix turns that into SCRIPT_NAME, which url_for honours.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_prefix=1)

    # Converters must be registered before the routes that use them.
    app.url_map.converters["issue_key"] = IssueKeyConverter
    app.extensions["trackly"] = Store(app.config.get("FILES_ROOT"))

    @app.errorhandler(HTTPException)
    def json_error(e: HTTPException):
        """Answer every HTTP error as JSON, keeping its headers (Allow on a 405)."""
        response = e.get_response()
        response.data = json.dumps({"error": e.description})
        response.content_type = "application/json"
        return response

    from . import routes

    app.register_blueprint(routes.bp)
    return app
