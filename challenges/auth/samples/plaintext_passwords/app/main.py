"""HTML pages for signed-in users."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("main", __name__)


@bp.get("/dashboard")
@login_required
def dashboard():
    """Greet the signed-in user."""
    return render_template("main/dashboard.html")
