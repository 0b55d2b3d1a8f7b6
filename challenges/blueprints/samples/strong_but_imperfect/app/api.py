"""The JSON API blueprint, version 1: every answer under its prefix is JSON, errors included."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, url_for
from werkzeug.exceptions import HTTPException

from .catalog import Product, get_catalog

bp = Blueprint("api", __name__)


@bp.errorhandler(HTTPException)
def api_error(e):
    """API errors are JSON."""
    return jsonify(error=e.description), e.code


def _as_json(product: Product) -> dict:
    return {
        "slug": product.slug,
        "name": product.name,
        "price_cents": product.price_cents,
        "url": url_for("shop.product", slug=product.slug),
    }


@bp.get("/products")
def products():
    """List every product."""
    return {"products": [_as_json(p) for p in get_catalog().all()]}


@bp.get("/products/<slug>")
def product(slug: str):
    """Return one product."""
    found = get_catalog().get(slug)
    if found is None:
        abort(404, f"no product {slug!r}")
    return _as_json(found)
