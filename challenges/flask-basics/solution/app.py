"""Status page service: an HTML page, a JSON API and a plain-text summary."""

from __future__ import annotations

import threading
from itertools import count

from flask import Flask, Response, abort, jsonify, render_template, request, url_for

SEVERITIES = ("minor", "major", "critical")
MAX_TITLE_LENGTH = 100


class IncidentStore:
    """Keep incidents in memory; safe to use from several threads."""

    def __init__(self) -> None:
        self._incidents: dict[int, dict] = {}
        self._ids = count(1)
        self._lock = threading.Lock()

    def add(self, title: str, severity: str) -> dict:
        """Store a new open incident and return it."""
        with self._lock:
            incident = {
                "id": next(self._ids),
                "title": title,
                "severity": severity,
                "status": "open",
            }
            self._incidents[incident["id"]] = incident
            return dict(incident)

    def get(self, incident_id: int) -> dict | None:
        """Return the incident with this id, or None."""
        with self._lock:
            incident = self._incidents.get(incident_id)
            return dict(incident) if incident else None

    def all(self) -> list[dict]:
        """Return every incident, oldest first."""
        with self._lock:
            return [dict(i) for i in self._incidents.values()]

    def remove(self, incident_id: int) -> bool:
        """Delete the incident; return False if there was none."""
        with self._lock:
            return self._incidents.pop(incident_id, None) is not None


def _error(message: str, status: int) -> tuple[Response, int]:
    return jsonify(error=message), status


def _parse_incident(payload: object) -> tuple[str, str] | str:
    """Return (title, severity) from a request body, or an error message."""
    if not isinstance(payload, dict):
        return "body must be a JSON object"
    title = payload.get("title")
    if not isinstance(title, str) or not title.strip():
        return "title is required"
    if len(title) > MAX_TITLE_LENGTH:
        return f"title must be at most {MAX_TITLE_LENGTH} characters"
    severity = payload.get("severity", "minor")
    if severity not in SEVERITIES:
        return f"severity must be one of {', '.join(SEVERITIES)}"
    return title, severity


def create_app() -> Flask:
    """Create the status page application."""
    app = Flask(__name__)
    store = IncidentStore()

    @app.get("/")
    def index():
        """Render the public status page."""
        return render_template("index.html", incidents=store.all())

    @app.get("/health")
    def health():
        """Tell load balancers the service is up."""
        return {"status": "ok"}

    @app.get("/status.txt")
    def status_text():
        """Summarise the status as plain text for terminals and pagers."""
        incidents = store.all()
        lines = [f"status: {'degraded' if incidents else 'operational'}"]
        lines += [f"#{i['id']} [{i['severity']}] {i['title']}" for i in incidents]
        return Response("\n".join(lines) + "\n", mimetype="text/plain")

    @app.get("/api/incidents")
    def list_incidents():
        """List every open incident."""
        return store.all()

    @app.post("/api/incidents")
    def create_incident():
        """Open an incident from a JSON body."""
        parsed = _parse_incident(request.get_json(silent=True))
        if isinstance(parsed, str):
            return _error(parsed, 400)
        incident = store.add(*parsed)
        location = url_for("get_incident", incident_id=incident["id"])
        return incident, 201, {"Location": location}

    @app.get("/api/incidents/<int:incident_id>")
    def get_incident(incident_id: int):
        """Return one incident."""
        incident = store.get(incident_id)
        if incident is None:
            return _error("incident not found", 404)
        return incident

    @app.delete("/api/incidents/<int:incident_id>")
    def delete_incident(incident_id: int):
        """Resolve (remove) an incident."""
        if not store.remove(incident_id):
            return _error("incident not found", 404)
        return "", 204

    @app.get("/incidents/<int:incident_id>")
    def incident_page(incident_id: int):
        """Render one incident as an HTML page."""
        incident = store.get(incident_id)
        if incident is None:
            abort(404)
        return render_template("incident.html", incident=incident)

    return app
