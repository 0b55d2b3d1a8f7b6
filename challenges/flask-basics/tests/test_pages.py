"""Hidden suite for flask-basics: HTML pages rendered from templates."""

from __future__ import annotations

import json
import uuid

import pytest

pytestmark = [pytest.mark.skill("templates")]


def _body(resp):
    """Parse a JSON body whatever its Content-Type (other tests check the Content-Type)."""
    try:
        return json.loads(resp.data)
    except ValueError:
        return None


def _create(client, title: str, severity: str = "major") -> dict:
    resp = client.post("/api/incidents", json={"title": title, "severity": severity})
    assert resp.status_code == 201, f"POST /api/incidents answered {resp.status}, expected 201"
    created = _body(resp)
    assert isinstance(created, dict), "POST /api/incidents did not answer with a JSON object"
    return created


@pytest.mark.weight(2)
def test_home_page_is_an_html_document(client):
    """GET / answers 200 text/html with the page heading and the incident list."""
    resp = client.get("/")
    assert resp.status_code == 200, f"got {resp.status}"
    assert resp.mimetype == "text/html", f"got Content-Type {resp.content_type!r}"
    page = resp.text
    assert page.lstrip().lower().startswith("<!doctype html>"), "the page must be a full document"
    assert "<h1>Service status</h1>" in page
    assert '<ul id="incidents">' in page


@pytest.mark.weight(2)
def test_home_page_lists_an_open_incident(client):
    """The home page shows each open incident as "[severity] title"."""
    title = f"Login outage {uuid.uuid4().hex[:10]}"
    _create(client, title, "critical")
    assert f"[critical] {title}" in client.get("/").text


def test_home_page_drops_a_deleted_incident(client):
    """A deleted incident no longer appears on the home page."""
    title = f"Queue backlog {uuid.uuid4().hex[:10]}"
    created = _create(client, title)
    deleted = client.delete(f"/api/incidents/{created['id']}")
    assert 200 <= deleted.status_code < 300, f"DELETE answered {deleted.status}"
    assert title not in client.get("/").text


@pytest.mark.weight(3)
def test_home_page_escapes_titles(client):
    """Titles are HTML-escaped on the page: a <script> title cannot inject markup."""
    marker = uuid.uuid4().hex[:10]
    title = f'<script>alert("{marker}")</script>'
    _create(client, title)
    page = client.get("/").text
    assert marker in page, "the incident must be on the page"
    assert title not in page, "the title was inserted as raw HTML (cross-site scripting)"
    assert "&lt;script&gt;" in page


def test_incident_page_renders(client):
    """GET /incidents/<id> is an HTML page with the incident number and escaped title."""
    title = f"Search & <b>index</b> {uuid.uuid4().hex[:10]}"
    created = _create(client, title, "minor")
    resp = client.get(f"/incidents/{created['id']}")
    assert resp.status_code == 200, f"got {resp.status}"
    assert resp.mimetype == "text/html", f"got Content-Type {resp.content_type!r}"
    assert f"<h1>Incident #{created['id']}</h1>" in resp.text
    assert title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in resp.text


@pytest.mark.skill("status-codes")
def test_incident_page_for_unknown_id_is_404(client):
    """GET /incidents/<id> for an id that does not exist answers 404."""
    assert client.get("/incidents/987654323").status_code == 404
