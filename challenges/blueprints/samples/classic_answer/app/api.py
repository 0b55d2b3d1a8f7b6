from flask import Blueprint, abort, url_for

from .catalog import get_catalog

api_bp = Blueprint("api", __name__)


def product_json(product):
    return {
        "slug": product.slug,
        "name": product.name,
        "price_cents": product.price_cents,
        "url": url_for("shop.product", slug=product.slug),
    }


@api_bp.route("/products")
def products():
    return {"products": [product_json(p) for p in get_catalog().all()]}


@api_bp.route("/products/<slug>")
def product(slug):
    product = get_catalog().get(slug)
    if product is None:
        abort(404, description=f"no product {slug}")
    return product_json(product)
