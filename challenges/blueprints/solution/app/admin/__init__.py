"""The admin blueprint: the catalogue back office, for requests carrying the admin token."""

from __future__ import annotations

import hmac

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from ..catalog import DuplicateProduct, InvalidProduct, get_catalog, parse_product

bp = Blueprint("admin", __name__, template_folder="templates")


@bp.before_request
def require_token():
    """Refuse every admin request without the right X-Admin-Token (only this blueprint's)."""
    expected = current_app.config.get("ADMIN_TOKEN")
    given = request.headers.get("X-Admin-Token", "")
    if not expected or not hmac.compare_digest(given.encode(), str(expected).encode()):
        abort(403, "This area needs a valid X-Admin-Token.")


@bp.get("/")
def index():
    """Show the catalogue with links to the shop and the API."""
    return render_template("admin/index.html", products=get_catalog().all())


@bp.post("/products")
def create_product():
    """Add a product from the submitted form, then go back to the dashboard.

    An invalid form or a taken slug becomes the site's error page (in the shared layout),
    with the message saying what is wrong.
    """
    try:
        get_catalog().add(parse_product(request.form))
    except InvalidProduct as e:
        abort(400, str(e))
    except DuplicateProduct as e:
        abort(409, str(e))
    return redirect(url_for("admin.index"), code=303)
