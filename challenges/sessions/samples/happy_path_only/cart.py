from flask import Blueprint, jsonify, request, session

from catalog import PRODUCTS

bp = Blueprint("cart", __name__, url_prefix="/cart")


def cart_json(cart):
    return jsonify(items=cart, total_cents=sum(PRODUCTS[p] * q for p, q in cart.items()))


@bp.get("")
def show_cart():
    return cart_json(session.get("cart", {}))


@bp.post("")
def add_to_cart():
    data = request.get_json()
    cart = session.get("cart", {})
    cart[data["product"]] = cart.get(data["product"], 0) + data["quantity"]
    session["cart"] = cart
    return cart_json(cart)


@bp.delete("/<product>")
def remove_from_cart(product):
    cart = session.get("cart", {})
    del cart[product]
    session["cart"] = cart
    return cart_json(cart)
