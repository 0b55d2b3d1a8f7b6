"""Fixtures for the flask-basics suite: a small driver of the status page service."""

from __future__ import annotations

import html
import json
import re
import uuid

import pytest

INCIDENT_LIST = re.compile(r"<ul\s+id=[\"']incidents[\"'][^>]*>(.*?)</ul>", re.S | re.I)
LIST_ITEM = re.compile(r"<li\b[^>]*>(.*?)</li>", re.S | re.I)
TAG = re.compile(r"<[^>]+>")


def parse_json(resp):
    """Parse a JSON body whatever its Content-Type (other tests check the Content-Type)."""
    try:
        return json.loads(resp.data)
    except ValueError:
        return None


class StatusPage:
    """Drive the service over HTTP; each helper asserts its own step worked."""

    parse_json = staticmethod(parse_json)

    def __init__(self, client) -> None:
        self.client = client

    @staticmethod
    def title(prefix: str = "Database latency") -> str:
        """Return a unique title."""
        return f"{prefix} {uuid.uuid4().hex[:10]}"

    def create(self, title: str | None = None, severity: str | None = "major") -> dict:
        """Open an incident; return its JSON."""
        body = {"title": title if title is not None else self.title()}
        if severity is not None:
            body["severity"] = severity
        resp = self.client.post("/api/incidents", json=body)
        assert resp.status_code == 201, (
            f"setup: POST /api/incidents with {body!r} answered {resp.status}, expected 201"
        )
        created = parse_json(resp)
        assert isinstance(created, dict) and isinstance(created.get("id"), int), (
            f"setup: POST /api/incidents must answer the incident as JSON, got {resp.text[:200]!r}"
        )
        return created

    def incidents(self) -> list:
        """Return the JSON array of GET /api/incidents."""
        resp = self.client.get("/api/incidents")
        assert resp.status_code == 200, f"GET /api/incidents answered {resp.status}"
        listed = parse_json(resp)
        assert isinstance(listed, list), f"GET /api/incidents must be a JSON array: {resp.text!r}"
        return listed

    def resolve_all(self) -> None:
        """Delete every incident, so that a test can see the page of a calm day."""
        for incident in self.incidents():
            url = f"/api/incidents/{incident['id']}"
            resp = self.client.delete(url)
            assert resp.status_code < 300 or resp.status_code == 404, (
                f"setup: DELETE {url} answered {resp.status}"
            )
        assert self.incidents() == [], "setup: incidents remain after deleting each of them"

    def list_items(self) -> list[str]:
        """Return the text of each <li> of the home page's <ul id="incidents">."""
        resp = self.client.get("/")
        assert resp.status_code == 200, f"GET / answered {resp.status}"
        found = INCIDENT_LIST.search(resp.text)
        assert found, f'GET / has no <ul id="incidents">...</ul>: {resp.text[:300]!r}'
        return [
            html.unescape(TAG.sub("", item)).strip() for item in LIST_ITEM.findall(found.group(1))
        ]


@pytest.fixture
def status_page(client) -> StatusPage:
    """Return a driver that opens and resolves incidents over HTTP."""
    return StatusPage(client)


def _json_error(resp, status: int, what: str) -> None:
    assert resp.status_code == status, f"{what} answered {resp.status}, expected {status}"
    assert resp.mimetype == "application/json", (
        f"{what}: error responses under /api/ must be JSON, got Content-Type "
        f"{resp.content_type!r}: {resp.text[:80]!r}"
    )
    body = resp.get_json()
    assert isinstance(body, dict), f"{what}: the error body must be a JSON object, got {body!r}"
    assert isinstance(body.get("error"), str) and body["error"].strip(), (
        f'{what}: the error body must have a non-empty "error" string, got {body!r}'
    )


@pytest.fixture
def json_error():
    """Return a check that a response is a given status with a JSON {"error": "..."} body."""
    return _json_error
