from flask import Blueprint, abort, render_template

from ..catalog import get_catalog

# the shop has its own templates folder: app/shop/templates
shop_bp = Blueprint("shop", __name__, template_folder="templates")


@shop_bp.route("/")
def index():
    return render_template("index.html", products=get_catalog().all())


@shop_bp.route("/products/<slug>")
def product(slug):
    product = get_catalog().get(slug)
    if product is None:
        abort(404)
    return render_template("product.html", product=product)
