import threading

from flask import Flask, abort, jsonify, render_template, request

VALID_SEVERITIES = {"minor", "major", "critical"}


def create_app():
    app = Flask(__name__)

    incidents = {}
    lock = threading.Lock()
    next_id = {"value": 1}

    def not_found():
        return jsonify({"error": "incident not found"}), 404

    def bad_request(message):
        return jsonify({"error": message}), 400

    @app.route("/")
    def index():
        return render_template("index.html", incidents=list(incidents.values()))

    @app.route("/health")
    def health():
        return jsonify({"status": "ok"})

    @app.route("/status.txt")
    def status_txt():
        current = list(incidents.values())
        lines = ["status: degraded" if current else "status: operational"]
        for inc in current:
            lines.append(f"#{inc['id']} [{inc['severity']}] {inc['title']}")
        return "\n".join(lines) + "\n", 200, {"Content-Type": "text/plain"}

    @app.route("/api/incidents", methods=["GET"])
    def list_incidents():
        return jsonify(list(incidents.values()))

    @app.route("/api/incidents", methods=["POST"])
    def create_incident():
        data = request.get_json()
        if not isinstance(data, dict):
            return bad_request("body must be a JSON object")
        title = data.get("title")
        if not isinstance(title, str) or not title.strip():
            return bad_request("title is required")
        if len(title) > 100:
            return bad_request("title is too long")
        severity = data.get("severity", "minor")
        if severity not in VALID_SEVERITIES:
            return bad_request("invalid severity")
        with lock:
            incident = {
                "id": next_id["value"],
                "title": title,
                "severity": severity,
                "status": "open",
            }
            incidents[incident["id"]] = incident
            next_id["value"] += 1
        return jsonify(incident), 201, {"Location": f"/api/incidents/{incident['id']}"}

    @app.route("/api/incidents/<int:incident_id>", methods=["GET"])
    def get_incident(incident_id):
        incident = incidents.get(incident_id)
        if incident is None:
            return not_found()
        return jsonify(incident)

    @app.route("/api/incidents/<int:incident_id>", methods=["DELETE"])
    def delete_incident(incident_id):
        with lock:
            if incidents.pop(incident_id, None) is None:
                return not_found()
        return "", 204

    @app.route("/incidents/<int:incident_id>")
    def incident_page(incident_id):
        incident = incidents.get(incident_id)
        if incident is None:
            abort(404)
        return render_template("incident.html", incident=incident)

    return app
