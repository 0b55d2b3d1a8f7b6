"""The cart, kept in the session."""

from flask import Blueprint, jsonify, request, session

from auth import login_required
from catalog import MAX_PER_PRODUCT, PRODUCTS

bp = Blueprint("cart", __name__, url_prefix="/cart")


def _response(cart):
    total = sum(PRODUCTS[p] * q for p, q in cart.items())
    return jsonify(items=cart, total_cents=total)


@bp.get("")
@login_required
def show_cart():
    return _response(session.get("cart", {}))


@bp.post("")
@login_required
def add_to_cart():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        data = {}
    product = data.get("product")
    quantity = data.get("quantity", 1)
    if product not in PRODUCTS:
        return jsonify(error="unknown product"), 400
    if type(quantity) is not int or not 1 <= quantity <= MAX_PER_PRODUCT:
        return jsonify(error=f"quantity must be an integer from 1 to {MAX_PER_PRODUCT}"), 400
    cart = session.get("cart", {})
    if cart.get(product, 0) + quantity > MAX_PER_PRODUCT:
        return jsonify(error=f"at most {MAX_PER_PRODUCT} of each product"), 400
    cart[product] = cart.get(product, 0) + quantity
    session["cart"] = cart
    return _response(cart)


@bp.delete("/<product>")
@login_required
def remove_from_cart(product):
    cart = session.get("cart", {})
    cart.pop(product, None)
    return _response(cart)
