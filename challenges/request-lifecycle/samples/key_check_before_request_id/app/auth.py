"""The API key check: every /api request needs X-API-Key."""

from __future__ import annotations

import hmac

from flask import Flask, abort, current_app, request


def require_api_key() -> None:
    """Refuse /api requests without the configured key; the view (if any) never runs."""
    if not (request.path == "/api" or request.path.startswith("/api/")):
        return
    expected = current_app.config.get("API_KEY")
    given = request.headers.get("X-API-Key", "")
    if not expected or not hmac.compare_digest(given.encode(), str(expected).encode()):
        abort(401, "a valid X-API-Key header is required")


def init_app(app: Flask) -> None:
    """Register the check."""
    app.before_request(require_api_key)
