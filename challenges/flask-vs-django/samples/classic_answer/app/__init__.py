"""Field notes: the Django blog app, ported to Flask."""

from flask import Flask, redirect, url_for
from werkzeug.routing import BaseConverter

from .views import bp


class SlugConverter(BaseConverter):
    """Django's <slug:...>: ASCII letters, numbers, hyphens and underscores."""

    regex = r"[-a-zA-Z0-9_]+"


def create_app():
    """Create the blog application."""
    app = Flask(__name__)
    app.url_map.converters["slug"] = SlugConverter
    app.register_blueprint(bp)

    @app.route("/")
    def index():
        # RedirectView(pattern_name=...) -> redirect(url_for(...))
        return redirect(url_for("blog.post_list"))

    @app.route("/blog/<slug:slug>/")
    def old_post_url(slug):
        # old blog-engine URLs: moved to /posts/<slug>/
        return redirect(url_for("blog.post_detail", slug=slug))

    return app
