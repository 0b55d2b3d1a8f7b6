"""ShipTrack's errors: the exception tree, and the handlers that turn any error into a response.

Errors under /api are JSON ({"error": ..., "status": ...}); everywhere else they are HTML pages.
Only errors meant for the client carry their message out; an unexpected exception becomes a
plain 500 whose details stay in the server's log.
"""

from __future__ import annotations

from http import HTTPStatus

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

INTERNAL_ERROR = "internal server error"


class ShipTrackError(Exception):
    """An error the client should hear about, with its status code and message."""

    status_code = 400
    message = "bad request"

    def __init__(self, message: str | None = None, *, headers: dict[str, str] | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.headers = headers or {}


class InvalidParcel(ShipTrackError):
    status_code = 400
    message = "invalid parcel"


class ParcelNotFound(ShipTrackError):
    status_code = 404
    message = "parcel not found"


class UnknownCarrier(ShipTrackError):
    status_code = 404
    message = "unknown carrier"


class ParcelAlreadyDelivered(ShipTrackError):
    status_code = 409
    message = "parcel already delivered"


class CarrierUnavailable(ShipTrackError):
    status_code = 503
    message = "carrier unavailable"

    def __init__(self, message: str | None = None, *, retry_after: int) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})


def _is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """Answer with JSON under /api and with the matching HTML page elsewhere."""
    if _is_api_request():
        response = jsonify(error=message, status=status)
    else:
        template = {404: "errors/404.html", 500: "errors/500.html"}.get(status, "errors/error.html")
        page = render_template(
            template, status=status, phrase=HTTPStatus(status).phrase, message=message
        )
        response = Response(page, mimetype="text/html")
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _handle_shiptrack_error(error: ShipTrackError) -> Response:
    return error_response(error.status_code, error.message, error.headers)


def _handle_http_exception(error: HTTPException) -> Response:
    # Keep the headers werkzeug set (Allow on a 405, for example), not its HTML body.
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return error_response(error.code or 500, (error.name or "error").lower(), headers)


def _handle_internal_error(error: InternalServerError) -> Response:
    # Flask has already logged the original exception with its traceback; the client gets
    # nothing of it.
    return error_response(500, INTERNAL_ERROR)


def init_app(app: Flask) -> None:
    """Register the handlers; the most specific one wins (Flask follows the class's MRO)."""
    app.register_error_handler(ShipTrackError, _handle_shiptrack_error)
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(InternalServerError, _handle_internal_error)
