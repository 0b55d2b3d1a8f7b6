"""The JSON API blueprint, version 1."""

from flask import Blueprint

bp = Blueprint("api", __name__)

# TODO: GET /products          {"products": [...]}
# TODO: GET /products/<slug>   the product, or a JSON 404
# A product is {"slug", "name", "price_cents", "url"}; "url" is its page in the shop blueprint.
