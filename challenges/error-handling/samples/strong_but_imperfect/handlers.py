"""Error handlers: JSON for the API, HTML pages for the site."""

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from errors import ShipTrackError


def _api():
    return request.path.startswith("/api")


def _respond(status, message, headers=None):
    if _api():
        response = jsonify(error=message, status=status)
    elif status == 404:
        response = render_template("404.html")
    elif status >= 500:
        response = render_template("500.html")
    else:
        response = render_template("error.html", status=status, message=message)
    return response, status, headers or {}


def register_error_handlers(app):
    @app.errorhandler(ShipTrackError)
    def shiptrack_error(e):
        return _respond(e.status_code, e.message, e.headers)

    @app.errorhandler(HTTPException)
    def http_error(e):
        return _respond(e.code, e.name.lower())

    @app.errorhandler(500)
    def server_error(e):
        return _respond(500, "internal server error")
