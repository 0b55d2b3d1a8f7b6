from flask import Blueprint, jsonify, request, session

from auth import login_required
from catalog import MAX_PER_PRODUCT, PRODUCTS

bp = Blueprint("cart", __name__, url_prefix="/cart")


def cart_response(cart):
    total = sum(PRODUCTS[name] * qty for name, qty in cart.items())
    return jsonify(items=cart, total_cents=total)


@bp.route("", methods=["GET"])
@login_required
def get_cart():
    return cart_response(session.get("cart", {}))


@bp.route("", methods=["POST"])
@login_required
def add_to_cart():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        data = {}
    product = data.get("product")
    qty = data.get("quantity", 1)
    if not isinstance(product, str) or product not in PRODUCTS:
        return jsonify(error="unknown product"), 400
    if type(qty) is not int or not 1 <= qty <= MAX_PER_PRODUCT:
        return jsonify(error="quantity must be an integer from 1 to 10"), 400
    cart = session.setdefault("cart", {})
    if cart.get(product, 0) + qty > MAX_PER_PRODUCT:
        return jsonify(error="at most 10 of each product"), 400
    cart[product] = cart.get(product, 0) + qty
    return cart_response(cart)


@bp.route("/<product>", methods=["DELETE"])
@login_required
def remove_from_cart(product):
    cart = session.get("cart", {})
    cart.pop(product, None)
    return cart_response(cart)
