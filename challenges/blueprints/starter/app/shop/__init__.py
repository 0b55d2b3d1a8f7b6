"""The storefront blueprint."""

from flask import Blueprint, abort, render_template

from ..catalog import get_catalog

bp = Blueprint("shop", __name__, template_folder="templates")


@bp.get("/")
def index():
    """List every product."""
    # TODO: render shop/index.html (write it: <h1>Our teas</h1>, a link per product).
    return "TODO", 501


@bp.get("/products/<slug>")
def product(slug):
    """Show one product."""
    found = get_catalog().get(slug)
    if found is None:
        abort(404)
    return render_template("shop/product.html", product=found)
