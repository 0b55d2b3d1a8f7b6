"""The storefront."""

from flask import Blueprint, abort, render_template

from ..catalog import get_catalog

bp = Blueprint("shop", __name__, template_folder="templates")


@bp.get("/")
def index():
    return render_template("shop/index.html", products=get_catalog().all())


def product(slug):
    found = get_catalog().get(slug)
    if found is None:
        abort(404, f"We do not sell {slug!r}.")
    return render_template("shop/product.html", product=found)
