"""JSON endpoints for signed-in users (401 for anonymous callers)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user, login_required

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/me")
@login_required
def me():
    """Return the current user's public fields."""
    return jsonify(current_user.to_dict())
