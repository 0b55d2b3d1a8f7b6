"""Helpers shared by the request-lifecycle suite (HTTP only: nothing imports the submission)."""

from __future__ import annotations

import re
import uuid

import pytest

SERVER_TIMING = re.compile(r"^app;dur=(\d+(?:\.\d+)?)$")


@pytest.fixture
def key(app_env) -> dict[str, str]:
    """The X-API-Key header with the key the app is configured with (FLASK_API_KEY)."""
    return {"X-API-Key": app_env["FLASK_API_KEY"]}


def rid() -> str:
    """Return a fresh, valid X-Request-ID."""
    return f"test-{uuid.uuid4().hex}"


def reference() -> str:
    """Return a fresh, valid shipment reference."""
    return f"ref-{uuid.uuid4().hex[:16]}"


def assert_uuid4(value: str | None, what: str = "X-Request-ID") -> None:
    """Fail unless ``value`` is a canonical str(uuid.uuid4())."""
    assert value, f"the response has no {what}"
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        raise AssertionError(f"{what} {value!r} is not a UUID") from None
    assert parsed.version == 4 and str(parsed) == value, (
        f"{what} {value!r} is not a canonical str(uuid.uuid4())"
    )


def duration_ms(resp) -> float:
    """Return the app;dur=<ms> of a response's Server-Timing header, failing if malformed."""
    header = resp.headers.get("Server-Timing")
    assert header is not None, f"{resp.request_path} answered {resp.status} without Server-Timing"
    match = SERVER_TIMING.match(header.strip())
    assert match, f"Server-Timing must look like 'app;dur=12.3', got {header!r}"
    return float(match.group(1))


def assert_json_error(resp, status: int, label: str) -> dict:
    """Fail unless ``resp`` is ``status`` with a JSON body {"error": "<message>", ...}."""
    assert resp.status_code == status, f"{label}: expected {status}, got {resp.status}"
    assert resp.mimetype == "application/json", (
        f"{label}: the {status} must be JSON, got Content-Type {resp.content_type!r}"
    )
    body = resp.get_json()
    assert isinstance(body, dict), f"{label}: the {status} body must be a JSON object"
    message = body.get("error")
    assert isinstance(message, str) and message, (
        f'{label}: the {status} body must have a non-empty "error" message, got {body!r}'
    )
    return body


def record(client, key: dict[str, str], request_id: str) -> dict:
    """Return the journal record of an earlier request, failing if it is not there."""
    resp = client.get(f"/api/requests/{request_id}", headers=key)
    assert resp.status_code == 200, (
        f"GET /api/requests/{request_id} answered {resp.status}: the request is not in the journal"
    )
    body = resp.get_json()
    assert isinstance(body, dict), "GET /api/requests/<id> must answer a JSON object"
    return body
