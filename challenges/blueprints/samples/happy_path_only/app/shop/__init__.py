from flask import Blueprint, render_template

from ..catalog import get_catalog

bp = Blueprint("shop", __name__, template_folder="templates")


@bp.route("/")
def index():
    return render_template("shop/index.html", products=get_catalog().all())


@bp.route("/products/<slug>")
def product(slug):
    return render_template("shop/product.html", product=get_catalog().get(slug))
