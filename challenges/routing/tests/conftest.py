"""Fixtures for the routing suite: a small Trackly API driver over the `client` fixture."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import pytest


class Trackly:
    """Create projects, issues and files through the API; each call asserts it worked."""

    def __init__(self, client) -> None:
        self.client = client

    def new_project(self, *, headers: dict[str, str] | None = None) -> dict:
        """Create a project with a unique key; return its JSON."""
        key = "P" + uuid.uuid4().hex[:8].upper()
        resp = self.client.post(
            "/projects/", json={"key": key, "name": f"Project {key}"}, headers=headers
        )
        assert resp.status_code == 201, f"POST /projects/ answered {resp.status}, expected 201"
        project = resp.get_json()
        assert isinstance(project, dict) and isinstance(project.get("id"), int), (
            f"POST /projects/ must answer the project as JSON with an int id, got {resp.text!r}"
        )
        assert project.get("key") == key, "the created project must echo its key"
        return project

    def new_issue(
        self,
        project: dict,
        *,
        estimate: float = 0.0,
        labels: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict:
        """Add an issue to the project; return its JSON."""
        url = f"/projects/{project['id']}/issues/"
        payload = {"title": f"Issue {uuid.uuid4().hex[:6]}", "estimate": estimate}
        if labels is not None:
            payload["labels"] = labels
        resp = self.client.post(url, json=payload, headers=headers)
        assert resp.status_code == 201, f"POST {url} answered {resp.status}, expected 201"
        issue = resp.get_json()
        assert isinstance(issue, dict) and isinstance(issue.get("number"), int), (
            f"POST {url} must answer the issue as JSON with an int number, got {resp.text!r}"
        )
        return issue

    def put_file(self, project: dict, quoted_name: str, content: bytes) -> dict:
        """Upload a file under its percent-encoded name; return the JSON answer."""
        url = f"/projects/{project['id']}/files/{quoted_name}"
        resp = self.client.put(url, data=content)
        assert resp.status_code == 201, f"PUT {url} answered {resp.status}, expected 201"
        body = resp.get_json()
        assert isinstance(body, dict), f"PUT {url} must answer JSON, got {resp.text!r}"
        return body


@pytest.fixture
def trackly(client) -> Trackly:
    """Return a driver that creates fresh, uniquely named data through the API."""
    return Trackly(client)


@pytest.fixture
def mount_prefix() -> str:
    """Return a fresh path prefix, as the reverse proxy sends it in X-Forwarded-Prefix."""
    return "/mnt-" + uuid.uuid4().hex[:8]


def _path(url: str | None) -> str | None:
    return None if url is None else urlsplit(url).path


@pytest.fixture
def path_of():
    """Return a function giving the path of a URL or link (Location headers may be absolute)."""
    return _path
