"""Hidden suite for flask-basics: the plain-text status summary."""

from __future__ import annotations

import json
import uuid

import pytest

pytestmark = [pytest.mark.skill("content-types")]


def _body(resp):
    """Parse a JSON body whatever its Content-Type (other tests check the Content-Type)."""
    try:
        return json.loads(resp.data)
    except ValueError:
        return None


def _create(client, title: str, severity: str) -> dict:
    resp = client.post("/api/incidents", json={"title": title, "severity": severity})
    assert resp.status_code == 201, f"POST /api/incidents answered {resp.status}, expected 201"
    created = _body(resp)
    assert isinstance(created, dict), "POST /api/incidents did not answer with a JSON object"
    return created


@pytest.mark.weight(2)
def test_status_txt_is_plain_text(client):
    """GET /status.txt answers 200 text/plain in UTF-8, not text/html."""
    resp = client.get("/status.txt")
    assert resp.status_code == 200, f"got {resp.status}"
    assert resp.mimetype == "text/plain", f"got Content-Type {resp.content_type!r}"
    assert "charset=utf-8" in (resp.content_type or "").lower().replace(" ", "")


def test_status_txt_lists_an_open_incident(client):
    """/status.txt starts with "status: degraded" and has a "#id [severity] title" line."""
    title = f"CDN errors {uuid.uuid4().hex[:10]}"
    created = _create(client, title, "critical")
    lines = client.get("/status.txt").text.splitlines()
    assert lines, "the body is empty"
    assert lines[0] == "status: degraded"
    assert f"#{created['id']} [critical] {title}" in lines


def test_status_txt_is_not_html_escaped(client):
    """Plain text is sent as typed: "R&D <ops>" is not turned into HTML entities."""
    title = f"R&D <ops> {uuid.uuid4().hex[:10]}"
    created = _create(client, title, "minor")
    lines = client.get("/status.txt").text.splitlines()
    assert f"#{created['id']} [minor] {title}" in lines
