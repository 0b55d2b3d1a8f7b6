import threading

from flask import Flask, Response, abort, jsonify, render_template, request, url_for

SEVERITIES = ("minor", "major", "critical")


def create_app():
    app = Flask(__name__)
    incidents = {}
    lock = threading.Lock()
    counter = {"last": 0}

    def error(message, status):
        return jsonify(error=message), status

    @app.route("/")
    def index():
        return render_template("index.html", incidents=list(incidents.values()))

    @app.route("/health")
    def health():
        return jsonify(status="ok")

    @app.route("/status.txt")
    def status_txt():
        current = list(incidents.values())
        text = "status: degraded\n" if current else "status: operational\n"
        for incident in current:
            text += f"#{incident['id']} [{incident['severity']}] {incident['title']}\n"
        return Response(text, mimetype="text/plain")

    @app.route("/api/incidents", methods=["GET", "POST"])
    def incidents_api():
        if request.method == "GET":
            return jsonify(list(incidents.values()))
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            return error("body must be a JSON object", 400)
        title = data.get("title")
        if not isinstance(title, str) or not title.strip():
            return error("title is required", 400)
        if len(title) > 100:
            return error("title must be at most 100 characters", 400)
        severity = data.get("severity", "minor")
        if severity not in SEVERITIES:
            return error("severity must be minor, major or critical", 400)
        with lock:
            counter["last"] += 1
            incident = {
                "id": counter["last"],
                "title": title,
                "severity": severity,
                "status": "open",
            }
            incidents[incident["id"]] = incident
        location = url_for("incident_api", incident_id=incident["id"])
        return jsonify(incident), 201, {"Location": location}

    @app.route("/api/incidents/<int:incident_id>", methods=["GET", "DELETE"])
    def incident_api(incident_id):
        if request.method == "DELETE":
            with lock:
                if incidents.pop(incident_id, None) is None:
                    return error("incident not found", 404)
            return "", 204
        if incident_id not in incidents:
            return error("incident not found", 404)
        return jsonify(incidents[incident_id])

    @app.route("/incidents/<int:incident_id>")
    def incident_page(incident_id):
        incident = incidents.get(incident_id)
        if incident is None:
            abort(404)
        # A view can return a string: Flask sends it as text/html.
        return f"""<!doctype html>
<html>
<head><title>Incident #{incident['id']}</title></head>
<body>
<h1>Incident #{incident['id']}</h1>
<p>[{incident['severity']}] {incident['title']}</p>
<p><a href="{url_for('index')}">Back to the status page</a></p>
</body>
</html>
"""

    return app
