"""JSON endpoints for signed-in users (401 for anonymous callers)."""

from __future__ import annotations

from flask import Blueprint, abort

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/me")
def me():
    """Return the current user's public fields."""
    # TODO: 401 for anonymous callers; otherwise the user's id, username and role.
    abort(501, "/api/me is not implemented yet")
