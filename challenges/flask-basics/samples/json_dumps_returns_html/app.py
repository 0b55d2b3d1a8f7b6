import json
import threading

from flask import Flask, abort, render_template, request

SEVERITIES = ["minor", "major", "critical"]


def create_app():
    app = Flask(__name__)
    incidents = {}
    lock = threading.Lock()
    state = {"last_id": 0}

    def error(message, status):
        return json.dumps({"error": message}), status

    @app.route("/")
    def index():
        return render_template("index.html", incidents=list(incidents.values()))

    @app.route("/health")
    def health():
        return json.dumps({"status": "ok"})

    @app.route("/status.txt")
    def status_txt():
        open_incidents = list(incidents.values())
        lines = ["status: degraded" if open_incidents else "status: operational"]
        lines += [f"#{i['id']} [{i['severity']}] {i['title']}" for i in open_incidents]
        return app.response_class("\n".join(lines) + "\n", mimetype="text/plain")

    @app.route("/api/incidents")
    def list_incidents():
        return json.dumps(list(incidents.values()))

    @app.route("/api/incidents", methods=["POST"])
    def create_incident():
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            return error("body must be a JSON object", 400)
        title = data.get("title")
        if not isinstance(title, str) or not title.strip() or len(title) > 100:
            return error("title must be 1 to 100 characters", 400)
        severity = data.get("severity", "minor")
        if severity not in SEVERITIES:
            return error("unknown severity", 400)
        with lock:
            state["last_id"] += 1
            incident = {"id": state["last_id"], "title": title,
                        "severity": severity, "status": "open"}
            incidents[incident["id"]] = incident
        return json.dumps(incident), 201, {"Location": f"/api/incidents/{incident['id']}"}

    @app.route("/api/incidents/<int:incident_id>")
    def get_incident(incident_id):
        if incident_id not in incidents:
            return error("not found", 404)
        return json.dumps(incidents[incident_id])

    @app.route("/api/incidents/<int:incident_id>", methods=["DELETE"])
    def delete_incident(incident_id):
        with lock:
            if incidents.pop(incident_id, None) is None:
                return error("not found", 404)
        return "", 204

    @app.route("/incidents/<int:incident_id>")
    def incident_page(incident_id):
        if incident_id not in incidents:
            abort(404)
        return render_template("incident.html", incident=incidents[incident_id])

    return app
