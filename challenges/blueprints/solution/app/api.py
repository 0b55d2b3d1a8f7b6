"""The JSON API blueprint, version 1: every answer under its prefix is JSON, errors included."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, url_for
from werkzeug.exceptions import HTTPException

from .catalog import Product, get_catalog

bp = Blueprint("api", __name__)


def error_response(e: HTTPException):
    """Return the API's JSON answer for an HTTP error (create_app's handler calls it)."""
    response = jsonify(error=e.description)
    response.status_code = e.code
    if e.code == 405 and e.valid_methods:
        response.headers["Allow"] = ", ".join(e.valid_methods)
    return response


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
