"""Hidden suite for flask-basics: the JSON API (bodies, status codes, errors)."""

from __future__ import annotations

import json
import uuid

import pytest


def _title() -> str:
    return f"Database latency {uuid.uuid4().hex[:10]}"


def _body(resp):
    """Parse a JSON body whatever its Content-Type (other tests check the Content-Type)."""
    try:
        return json.loads(resp.data)
    except ValueError:
        return None


def _create(client, **fields) -> dict:
    body = {"title": _title(), "severity": "major", **fields}
    resp = client.post("/api/incidents", json=body)
    assert resp.status_code == 201, f"POST /api/incidents answered {resp.status}, expected 201"
    created = _body(resp)
    assert isinstance(created, dict), "POST /api/incidents did not answer with a JSON object"
    return created


def _assert_json_error(resp, status: int) -> None:
    assert resp.status_code == status, f"expected {status}, got {resp.status}"
    assert resp.mimetype == "application/json", (
        f"error responses must be JSON, got Content-Type {resp.content_type!r}"
    )
    body = resp.get_json()
    assert isinstance(body, dict), "error body must be a JSON object"
    assert isinstance(body.get("error"), str), 'error body must have an "error" string'
    assert body["error"].strip(), '"error" must not be empty'


@pytest.mark.visible
@pytest.mark.weight(2)
@pytest.mark.skill("json")
def test_health_is_json(client):
    """GET /health answers 200 with the JSON object {"status": "ok"}."""
    resp = client.get("/health")
    assert resp.status_code == 200, f"GET /health answered {resp.status}"
    assert resp.mimetype == "application/json", (
        f"GET /health must be application/json, got {resp.content_type!r}"
    )
    assert resp.get_json() == {"status": "ok"}


@pytest.mark.visible
@pytest.mark.weight(3)
@pytest.mark.skill("status-codes")
def test_create_returns_201_with_location(client):
    """POST /api/incidents answers 201, the incident as JSON, and a Location header."""
    title = _title()
    resp = client.post("/api/incidents", json={"title": title, "severity": "critical"})
    assert resp.status_code == 201, f"expected 201 Created, got {resp.status}"
    assert resp.mimetype == "application/json", f"got Content-Type {resp.content_type!r}"
    body = resp.get_json()
    assert isinstance(body, dict), "the body must be a JSON object"
    assert isinstance(body.get("id"), int), '"id" must be an integer'
    assert body == {"id": body["id"], "title": title, "severity": "critical", "status": "open"}
    location = resp.headers.get("Location")
    assert location, "a 201 response must say where the new resource is (Location header)"
    assert location.endswith(f"/api/incidents/{body['id']}"), f"Location was {location!r}"


@pytest.mark.weight(2)
@pytest.mark.skill("json")
def test_created_incident_can_be_fetched(client):
    """GET /api/incidents/<id> answers 200 with the same JSON object the create returned."""
    created = _create(client)
    resp = client.get(f"/api/incidents/{created['id']}")
    assert resp.status_code == 200, f"got {resp.status}"
    assert resp.mimetype == "application/json", f"got Content-Type {resp.content_type!r}"
    assert resp.get_json() == created


@pytest.mark.skill("json")
def test_list_is_a_json_array_with_the_incident(client):
    """GET /api/incidents answers a JSON array that contains a newly created incident."""
    created = _create(client)
    resp = client.get("/api/incidents")
    assert resp.status_code == 200, f"got {resp.status}"
    assert resp.mimetype == "application/json", f"got Content-Type {resp.content_type!r}"
    body = resp.get_json()
    assert isinstance(body, list), "the list endpoint must answer a JSON array"
    assert created in body


@pytest.mark.skill("json")
def test_severity_defaults_to_minor(client):
    """An incident created without a severity is "minor"."""
    resp = client.post("/api/incidents", json={"title": _title()})
    assert resp.status_code == 201, f"got {resp.status}"
    body = _body(resp)
    assert isinstance(body, dict), "the body must be a JSON object"
    assert body.get("severity") == "minor"


@pytest.mark.skill("json")
def test_ids_are_unique(client):
    """Two incidents get two different ids."""
    first, second = _create(client), _create(client)
    assert first["id"] != second["id"]


@pytest.mark.weight(2)
@pytest.mark.skill("status-codes")
def test_unknown_incident_is_json_404(client):
    """GET /api/incidents/<id> for an id that does not exist answers a JSON 404."""
    _assert_json_error(client.get("/api/incidents/987654321"), 404)


@pytest.mark.skill("routing")
def test_incident_id_must_be_an_integer(client):
    """/api/incidents/<id> only matches digits: other ids are 404, never 500."""
    for bad in ("abc", "1.5", "-3", "1e3"):
        resp = client.get(f"/api/incidents/{bad}")
        assert resp.status_code == 404, f"GET /api/incidents/{bad} answered {resp.status}"


@pytest.mark.weight(3)
@pytest.mark.skill("status-codes")
def test_delete_returns_204_then_the_incident_is_gone(client):
    """DELETE /api/incidents/<id> answers 204 with no body; the incident is then 404."""
    created = _create(client)
    resp = client.delete(f"/api/incidents/{created['id']}")
    assert resp.status_code == 204, f"expected 204 No Content, got {resp.status}"
    assert resp.data == b"", "a 204 response has no body"
    assert client.get(f"/api/incidents/{created['id']}").status_code == 404


@pytest.mark.skill("status-codes")
def test_delete_unknown_incident_is_json_404(client):
    """DELETE of an id that does not exist answers a JSON 404."""
    _assert_json_error(client.delete("/api/incidents/987654322"), 404)


@pytest.mark.weight(2)
@pytest.mark.skill("status-codes")
def test_missing_title_is_400(client):
    """A body without a title is rejected with a JSON 400."""
    _assert_json_error(client.post("/api/incidents", json={"severity": "minor"}), 400)


@pytest.mark.skill("status-codes")
def test_blank_or_non_string_title_is_400(client):
    """A title that is blank or not a string is rejected with a JSON 400."""
    for title in ("", "   ", 42, None, ["a"]):
        resp = client.post("/api/incidents", json={"title": title})
        _assert_json_error(resp, 400)


@pytest.mark.skill("status-codes")
def test_overlong_title_is_400(client):
    """A title longer than 100 characters is rejected; exactly 100 is accepted."""
    _assert_json_error(client.post("/api/incidents", json={"title": "x" * 101}), 400)
    assert client.post("/api/incidents", json={"title": "y" * 100}).status_code == 201


@pytest.mark.skill("status-codes")
def test_unknown_severity_is_400(client):
    """A severity other than minor, major or critical is rejected with a JSON 400."""
    for severity in ("apocalyptic", "MAJOR", 3):
        resp = client.post("/api/incidents", json={"title": _title(), "severity": severity})
        _assert_json_error(resp, 400)


@pytest.mark.weight(2)
@pytest.mark.skill("json")
def test_form_encoded_body_is_json_400(client):
    """A body that is not JSON (a form post) is a JSON 400, not an HTML 415 or 500."""
    resp = client.post("/api/incidents", data={"title": _title(), "severity": "minor"})
    _assert_json_error(resp, 400)


@pytest.mark.skill("json")
def test_malformed_or_non_object_json_is_json_400(client):
    """Broken JSON, or JSON that is not an object, is a JSON 400."""
    headers = {"Content-Type": "application/json"}
    _assert_json_error(client.post("/api/incidents", data='{"title": ', headers=headers), 400)
    _assert_json_error(client.post("/api/incidents", json=[_title()]), 400)


@pytest.mark.skill("routing")
def test_wrong_method_is_405(client):
    """Routes answer 405 to methods they do not support."""
    assert client.put("/api/incidents").status_code == 405
    assert client.post("/health").status_code == 405
    assert client.post("/").status_code == 405
