"""Trackly, a small project-tracker API: the application factory."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .store import Store


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

    # TODO: register a custom URL converter named "issue_key" for /browse/<issue_key:key>.
    # TODO: answer every HTTP error (400, 404, 405, 409...) as JSON {"error": "..."}.

    from . import routes

    app.register_blueprint(routes.bp)
    return app
