"""Corner Café menus: the application factory and its template filters."""

from __future__ import annotations

from flask import Flask

from store import Store


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app with an empty in-memory store."""
    app = Flask(__name__)
    app.config.from_mapping(SITE_NAME="Corner Café")
    if test_config:
        app.config.update(test_config)

    app.extensions["menu_store"] = Store()

    @app.template_filter()
    def money(cents):
        """450 -> $4.50, 123450 -> $1,234.50"""
        return "${:,.2f}".format(cents / 100)

    from views import bp

    app.register_blueprint(bp)
    return app
