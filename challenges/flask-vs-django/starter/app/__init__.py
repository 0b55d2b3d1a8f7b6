"""Field notes: the Django blog app, ported to Flask."""

from flask import Flask

from .views import bp


def create_app():
    """Create the blog application."""
    app = Flask(__name__)

    # TODO: Flask has no "slug" converter. Register one that matches exactly what
    # Django's <slug:...> matches, before any route uses it.

    app.register_blueprint(bp)

    # TODO: GET /                  -> 302 to the post list
    # TODO: GET /blog/<slug:slug>/ -> 301 to /posts/<slug>/ (old blog-engine URLs)

    return app
