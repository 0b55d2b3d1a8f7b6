"""Fixtures for the routing suite: a small Trackly API driver over the `client` fixture."""

from __future__ import annotations

import random
import string
import uuid
from urllib.parse import urlsplit

import pytest

KEY_TAIL = string.ascii_uppercase + string.digits


def unique_key(length: int = 9) -> str:
    """Return a random valid project key of ``length`` characters (2 to 10)."""
    return random.choice(string.ascii_uppercase) + "".join(
        random.choice(KEY_TAIL) for _ in range(length - 1)
    )


class Trackly:
    """Create projects, issues and files through the API; each call asserts it worked."""

    unique_key = staticmethod(unique_key)

    def __init__(self, client) -> None:
        self.client = client

    def new_project(self, *, key: str | None = None, headers: dict[str, str] | None = None) -> dict:
        """Create a project (with a unique key unless one is given); return its JSON."""
        key = key or "P" + uuid.uuid4().hex[:8].upper()
        resp = self.client.post(
            "/projects/", json={"key": key, "name": f"Project {key}"}, headers=headers
        )
        assert resp.status_code == 201, (
            f"setup: POST /projects/ with key {key!r} answered {resp.status}, expected 201"
        )
        project = resp.get_json()
        assert isinstance(project, dict) and isinstance(project.get("id"), int), (
            f"setup: POST /projects/ must answer the project as JSON with an int id, "
            f"got {resp.text[:200]!r}"
        )
        assert project.get("key") == key, "setup: the created project must echo its key"
        return project

    def new_project_with_key_length(self, length: int) -> dict:
        """Create a project whose key has ``length`` characters; retry when a key is taken."""
        for _ in range(40):
            key = unique_key(length)
            resp = self.client.post("/projects/", json={"key": key, "name": f"Short {key}"})
            if resp.status_code != 409:
                break
        assert resp.status_code == 201, (
            f"POST /projects/ with the {length}-character key {key!r} answered {resp.status}, "
            "expected 201 (keys of 2 to 10 characters are valid)"
        )
        project = resp.get_json()
        assert isinstance(project, dict) and project.get("key") == key, (
            f"POST /projects/ with key {key!r} must answer the project, got {resp.text[:200]!r}"
        )
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
        assert resp.status_code == 201, f"setup: POST {url} answered {resp.status}, expected 201"
        issue = resp.get_json()
        assert isinstance(issue, dict) and isinstance(issue.get("number"), int), (
            f"setup: POST {url} must answer the issue as JSON with an int number, "
            f"got {resp.text[:200]!r}"
        )
        return issue

    def put_file(self, project: dict, quoted_name: str, content: bytes) -> dict:
        """Upload a new file under its percent-encoded name; return the JSON answer."""
        url = f"/projects/{project['id']}/files/{quoted_name}"
        resp = self.client.put(url, data=content)
        assert resp.status_code == 201, f"setup: PUT {url} answered {resp.status}, expected 201"
        body = resp.get_json()
        assert isinstance(body, dict), f"setup: PUT {url} must answer JSON, got {resp.text!r}"
        return body

    def file_names(self, project: dict) -> list:
        """Return the names the project's file list shows."""
        url = f"/projects/{project['id']}/files/"
        resp = self.client.get(url)
        assert resp.status_code == 200, f"GET {url} answered {resp.status}, expected 200"
        body = resp.get_json()
        assert isinstance(body, dict) and isinstance(body.get("files"), list), (
            f'GET {url} must answer {{"files": [...]}}, got {resp.text[:200]!r}'
        )
        return [f.get("name") if isinstance(f, dict) else f for f in body["files"]]


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


def _json_error(resp, status: int, what: str) -> None:
    assert resp.status_code == status, f"{what} answered {resp.status}, expected {status}"
    assert resp.mimetype == "application/json", (
        f"{what}: a {status} must answer Content-Type: application/json, "
        f"got {resp.content_type!r}: {resp.text[:80]!r}"
    )
    body = resp.get_json()
    assert isinstance(body, dict), f"{what}: a {status} must answer a JSON object, got {body!r}"
    assert isinstance(body.get("error"), str) and body["error"].strip(), (
        f'{what}: a {status} body must have a non-empty "error" string, got {body!r}'
    )


@pytest.fixture
def json_error():
    """Return a check that a response is the given status with a JSON {"error": "..."} body."""
    return _json_error


def _allow(resp) -> set[str]:
    return {m.strip().upper() for m in (resp.headers.get("Allow") or "").split(",") if m.strip()}


@pytest.fixture
def allow():
    """Return a function giving the set of methods of a response's Allow header."""
    return _allow
