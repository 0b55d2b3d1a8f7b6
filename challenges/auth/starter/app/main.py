"""HTML pages for signed-in users."""

from __future__ import annotations

from flask import Blueprint, abort

bp = Blueprint("main", __name__)


@bp.get("/dashboard")
def dashboard():
    """Greet the signed-in user."""
    # TODO: only for logged-in users (others go to /login?next=/dashboard);
    # render templates/main/dashboard.html.
    abort(501, "the dashboard is not implemented yet")
