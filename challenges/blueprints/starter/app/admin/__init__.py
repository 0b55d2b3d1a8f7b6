"""The admin blueprint: the catalogue back office."""

from flask import Blueprint

bp = Blueprint("admin", __name__, template_folder="templates")

# TODO: refuse every admin request without the right X-Admin-Token header (403).

# TODO: GET /          the dashboard (admin/index.html: <h1>Catalogue admin</h1>, a row per
#                      product with links to its shop page and its API resource).
# TODO: POST /products add a product from the form (catalog.parse_product), 303 to the dashboard;
#                      400 for an invalid form, 409 for a taken slug.
