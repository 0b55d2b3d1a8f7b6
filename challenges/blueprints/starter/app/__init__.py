"""Acme Tea Co.: the application factory."""

from flask import Flask

from . import admin, api, catalog, shop


def create_app(test_config=None):
    """Create the app and register its blueprints."""
    app = Flask(__name__)
    app.config.from_mapping(ADMIN_TOKEN=None)
    if test_config is None:
        # TODO: load ADMIN_TOKEN from the FLASK_ADMIN_TOKEN environment variable.
        pass
    else:
        app.config.from_mapping(test_config)

    catalog.init_app(app)
    app.register_blueprint(shop.bp, url_prefix="/shop")
    # TODO: the same storefront again at /partner/acme (named "partner"),
    #       the admin blueprint at /admin, the API blueprint at /api/v1.

    # TODO: GET / redirects to the shop's index.

    # TODO: errors: JSON {"error": ...} for every URL under /api/v1 (including URLs that
    #       match no route), HTML pages in the shared layout everywhere else.

    return app
