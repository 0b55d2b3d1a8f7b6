"""The Django blog app of the statement, ported to Flask with the same URLs and responses."""

from __future__ import annotations

from flask import Flask, redirect, url_for
from werkzeug.routing import BaseConverter

from views import bp


class SlugConverter(BaseConverter):
    """Match what Django's <slug:...> matches: ASCII letters, digits, hyphens, underscores."""

    regex = r"[-a-zA-Z0-9_]+"


def create_app() -> Flask:
    """Create the blog application."""
    app = Flask(__name__)
    # Converters must be registered before any rule that uses them.
    app.url_map.converters["slug"] = SlugConverter
    app.register_blueprint(bp)

    @app.get("/")
    def root():
        """Send visitors to the post list (Django's RedirectView, permanent=False)."""
        return redirect(url_for("blog.post_list"))

    @app.get("/blog/<slug:slug>/")
    def legacy_post(slug: str):
        """Old blog-engine URLs moved for good: 301, whether or not the post exists."""
        return redirect(url_for("blog.post_detail", slug=slug), code=301)

    return app
