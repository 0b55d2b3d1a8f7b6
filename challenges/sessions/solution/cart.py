"""The cart, kept in Flask's session next to the login."""

from __future__ import annotations

from auth import login_required
from catalog import MAX_PER_PRODUCT, PRODUCTS
from flask import Blueprint, jsonify, request, session

bp = Blueprint("cart", __name__, url_prefix="/cart")


def _cart_json(cart: dict[str, int]):
    total = sum(PRODUCTS[product] * quantity for product, quantity in cart.items())
    return jsonify(items=cart, total_cents=total)


@bp.get("")
@login_required
def show_cart():
    """Return the cart and its total."""
    return _cart_json(session.get("cart", {}))


@bp.post("")
@login_required
def add_to_cart():
    """Add {"product", "quantity"} to the cart."""
    data = request.get_json(silent=True)
    data = data if isinstance(data, dict) else {}
    product = data.get("product")
    quantity = data.get("quantity", 1)
    if not isinstance(product, str) or product not in PRODUCTS:  # a list is not even hashable
        return jsonify(error="unknown product"), 400
    if (
        isinstance(quantity, bool)
        or not isinstance(quantity, int)
        or not 1 <= quantity <= MAX_PER_PRODUCT
    ):
        return jsonify(error=f"quantity must be an integer from 1 to {MAX_PER_PRODUCT}"), 400
    # A copy, assigned back: changing the nested dict in place would not mark the session
    # modified, and Flask would not send the new cookie.
    cart = dict(session.get("cart", {}))
    if cart.get(product, 0) + quantity > MAX_PER_PRODUCT:
        return jsonify(error=f"at most {MAX_PER_PRODUCT} of each product"), 400
    cart[product] = cart.get(product, 0) + quantity
    session["cart"] = cart
    return _cart_json(cart)


@bp.delete("/<product>")
@login_required
def remove_from_cart(product: str):
    """Remove a product from the cart (nothing happens if it is not there)."""
    cart = dict(session.get("cart", {}))
    cart.pop(product, None)
    session["cart"] = cart
    return _cart_json(cart)
