"""ShipTrack's errors: the exception tree, and the handlers that turn any error into a response.

Errors under /api are JSON ({"error": ..., "status": ...}); everywhere else they are HTML pages.
Only errors meant for the client carry their message out; an unexpected exception becomes a
plain 500 whose details stay in the server's log.
"""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

INTERNAL_ERROR = "internal server error"
PAGES = {404: "errors/404.html", 500: "errors/500.html"}  # any other status: errors/error.html


class ShipTrackError(Exception):
    """An error the client should hear about, with its status code and message."""

    status_code: int  # each subclass says its own
    default_message = "bad request"

    def __init__(self, message: str | None = None, *, headers: dict[str, str] | None = None):
        super().__init__(message or self.default_message)
        self.headers = headers or {}

    @property
    def message(self) -> str:
        """The text the client reads: the one given when raised, or the class's default."""
        return self.args[0]


class InvalidParcel(ShipTrackError):
    status_code = 400


class ParcelNotFound(ShipTrackError):
    status_code = 404
    default_message = "parcel not found"


class UnknownCarrier(ShipTrackError):
    status_code = 404
    default_message = "unknown carrier"


class ParcelAlreadyDelivered(ShipTrackError):
    status_code = 409
    default_message = "parcel already delivered"


class CarrierUnavailable(ShipTrackError):
    status_code = 503

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})


def _is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def error_response(status: int, message: str, headers: dict[str, str] | None = None):
    """Answer with JSON under /api and with the matching HTML page elsewhere."""
    if _is_api_request():
        body = jsonify(error=message, status=status)
    else:
        body = render_template(PAGES.get(status, "errors/error.html"))
    return body, status, headers or {}


def _handle_shiptrack_error(error: ShipTrackError):
    return error_response(error.status_code, error.message, error.headers)


def _handle_http_exception(error: HTTPException):
    # Keep the status and the headers werkzeug set (Allow on a 405), not its HTML body.
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return error_response(error.code, error.name.lower(), headers)


def _handle_internal_error(error: InternalServerError):
    # Flask has already logged the original exception with its traceback; the client gets
    # nothing of it.
    return error_response(500, INTERNAL_ERROR)


def init_app(app: Flask) -> None:
    """Register the handlers; the most specific one wins (Flask follows the class's MRO)."""
    app.register_error_handler(ShipTrackError, _handle_shiptrack_error)
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(InternalServerError, _handle_internal_error)
