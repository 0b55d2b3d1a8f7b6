"""The cart."""

from __future__ import annotations

from flask import Blueprint, jsonify

from catalog import MAX_PER_PRODUCT, PRODUCTS  # noqa: F401  (you will need them)

bp = Blueprint("cart", __name__, url_prefix="/cart")


# TODO: every cart route needs a login (401 {"error": "not logged in"} otherwise), and the
#       cart lives in the session. See README.md for the payloads and the errors.


@bp.get("")
def show_cart():
    """Return the cart and its total."""
    return jsonify(error="not logged in"), 401


@bp.post("")
def add_to_cart():
    """Add {"product", "quantity"} to the cart."""
    return jsonify(error="not logged in"), 401


@bp.delete("/<product>")
def remove_from_cart(product: str):
    """Remove a product from the cart."""
    return jsonify(error="not logged in"), 401
