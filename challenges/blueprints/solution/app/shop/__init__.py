"""The storefront blueprint: registered at /shop, and again for partners under their prefix."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from ..catalog import get_catalog

bp = Blueprint("shop", __name__, template_folder="templates")


@bp.get("/")
def index():
    """List every product."""
    return render_template("shop/index.html", products=get_catalog().all())


@bp.get("/products/<slug>")
def product(slug: str):
    """Show one product."""
    found = get_catalog().get(slug)
    if found is None:
        abort(404, f"We do not sell {slug!r}.")
    return render_template("shop/product.html", product=found)
