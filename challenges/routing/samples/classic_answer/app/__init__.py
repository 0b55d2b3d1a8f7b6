"""Trackly, a small project-tracker API: the application factory."""

from __future__ import annotations

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import BaseConverter

from .store import Store


class IssueKeyConverter(BaseConverter):
    """/browse/TRK-42 -> ("TRK", 42), and back again for url_for."""

    regex = r"[A-Z][A-Z0-9]{1,9}-[1-9]\d*"

    def to_python(self, value):
        project_key, number = value.rsplit("-", 1)
        return project_key, int(number)

    def to_url(self, value):
        project_key, number = value
        return f"{project_key}-{number}"


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app with its store and routes."""
    app = Flask(__name__)
    if test_config is not None:
        app.config.from_mapping(test_config)

    # Keep this: in production Trackly runs behind a proxy that mounts it under a path prefix
    # and sends that prefix in the X-Forwarded-Prefix header. ProxyFix turns the header into
    # the WSGI SCRIPT_NAME of the request.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_prefix=1)

    app.extensions["trackly"] = Store(app.config.get("FILES_ROOT"))
    # the converter has to be known before the blueprint's rules are added
    app.url_map.converters["issue_key"] = IssueKeyConverter

    @app.errorhandler(HTTPException)
    def handle_http_error(e):
        # start from Werkzeug's own response so that a 405 keeps its Allow header
        response = e.get_response()
        response.set_data(jsonify(error=e.description).get_data())
        response.mimetype = "application/json"
        return response

    from . import routes

    app.register_blueprint(routes.bp)
    return app
