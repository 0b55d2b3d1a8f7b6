"""Corner Café menus: the application factory and its template filters."""

from __future__ import annotations

from flask import Flask
from markupsafe import Markup, escape
from store import Store


def format_money(cents: int) -> str:
    """Format an amount in cents as dollars: 123450 -> "$1,234.50"."""
    dollars, rest = divmod(int(cents), 100)
    return f"${dollars:,}.{rest:02d}"


def nl2br(text: str) -> Markup:
    """Escape the text, then turn each line break into <br>."""
    lines = str(text).strip().splitlines()
    return Markup("<br>\n").join(escape(line) for line in lines)


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app with an empty in-memory store."""
    app = Flask(__name__)
    app.config.from_mapping(SITE_NAME="Corner Café")
    if test_config:
        app.config.update(test_config)

    app.extensions["menu_store"] = Store()

    @app.template_filter("money")
    def money(cents: int) -> str:
        return format_money(cents)

    app.add_template_filter(nl2br, "nl2br")

    from views import bp

    app.register_blueprint(bp)
    return app
