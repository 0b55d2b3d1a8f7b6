"""Status page service: an HTML page, a JSON API and a plain-text summary."""

from flask import Flask, render_template


def create_app():
    """Create the status page application."""
    app = Flask(__name__)

    # TODO: keep the incidents somewhere (in memory is fine). waitress serves requests
    # from several threads, so think about how ids are assigned.

    @app.route("/")
    def index():
        """Render the public status page."""
        # TODO: pass the open incidents to the template.
        return render_template("index.html")

    @app.route("/health")
    def health():
        """Tell load balancers the service is up."""
        # TODO: this must be JSON: {"status": "ok"}
        return "ok"

    # TODO: GET /status.txt         plain-text summary (text/plain)
    # TODO: GET /api/incidents      JSON array of incidents
    # TODO: POST /api/incidents     201 + Location header, 400 JSON errors
    # TODO: GET /api/incidents/<id>     200 or JSON 404
    # TODO: DELETE /api/incidents/<id>  204 or JSON 404
    # TODO: GET /incidents/<id>     HTML page for one incident, 404 if unknown

    return app
