from flask import Blueprint, redirect, render_template, request, url_for

from ..catalog import Product, get_catalog

bp = Blueprint("admin", __name__, template_folder="templates")


@bp.route("/")
def index():
    return render_template("admin/index.html", products=get_catalog().all())


@bp.route("/products", methods=["POST"])
def create_product():
    price = int(float(request.form["price"]) * 100)
    get_catalog().add(Product(request.form["slug"], request.form["name"], price))
    return redirect(url_for("admin.index"))
