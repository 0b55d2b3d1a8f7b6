from flask import Blueprint, abort, url_for

from .catalog import get_catalog

bp = Blueprint("api", __name__)


def to_json(p):
    return {
        "slug": p.slug,
        "name": p.name,
        "price_cents": p.price_cents,
        "url": url_for("shop.product", slug=p.slug),
    }


@bp.route("/products")
def products():
    return {"products": [to_json(p) for p in get_catalog().all()]}


@bp.route("/products/<slug>")
def product(slug):
    p = get_catalog().get(slug)
    if p is None:
        abort(404)
    return to_json(p)
