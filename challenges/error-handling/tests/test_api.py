"""Hidden suite for error-handling: the JSON API under /api answers every error in JSON."""

from __future__ import annotations

import uuid

import pytest

WEIGHT_ERROR = "weight_kg must be a number above 0 and at most 30"


def _uid() -> str:
    return uuid.uuid4().hex[:10]


@pytest.mark.visible
@pytest.mark.weight(1)
@pytest.mark.skill("status-codes")
def test_registering_a_parcel_answers_201(client, register):
    """POST /api/parcels with a valid body answers 201 and the parcel can be fetched."""
    recipient = f"Ann {_uid()}"
    created = register(recipient, 2.5)
    assert created.get("status") == "registered"
    resp = client.get(f"/api/parcels/{created['code']}")
    assert resp.status_code == 200, f"GET /api/parcels/<code> answered {resp.status}"
    assert resp.get_json().get("recipient") == recipient


@pytest.mark.visible
@pytest.mark.weight(2)
@pytest.mark.skill("json-errors")
def test_unknown_parcel_is_a_json_404(client, json_error):
    """GET /api/parcels/<unknown> answers 404 {"error": "parcel not found", "status": 404}."""
    resp = client.get(f"/api/parcels/NOPE{_uid()}")
    json_error(resp, 404, "parcel not found")


@pytest.mark.weight(2)
@pytest.mark.skill("json-errors")
def test_unknown_api_url_is_a_json_404(client, json_error):
    """An unknown URL under /api/ answers a JSON 404, not Flask's HTML page."""
    json_error(client.get(f"/api/no-such-thing-{_uid()}"), 404)


@pytest.mark.weight(1)
@pytest.mark.skill("json-errors")
def test_api_prefix_is_a_whole_path_segment(client, json_error):
    """/api and /api/... get JSON errors; /apiary (not under /api) gets the HTML page."""
    json_error(client.get("/api"), 404)
    json_error(client.get(f"/api/{_uid()}"), 404)
    resp = client.get(f"/apiary{_uid()}")
    assert resp.status_code == 404, f"got {resp.status}"
    assert resp.mimetype == "text/html", "a path that only starts with 'api' is not the API"


@pytest.mark.weight(2)
@pytest.mark.skill("json-errors")
def test_wrong_method_under_api_is_a_json_405(client, json_error):
    """PUT /api/parcels answers 405 in JSON."""
    json_error(client.put("/api/parcels", json={}), 405)


@pytest.mark.weight(1)
@pytest.mark.skill("json-errors")
def test_json_405_keeps_the_allow_header(client):
    """The JSON 405 still says which methods are allowed (Allow: ... POST ...)."""
    resp = client.delete("/api/parcels")
    assert resp.status_code == 405, f"got {resp.status}"
    assert resp.mimetype == "application/json", f"got Content-Type {resp.content_type!r}"
    allowed = {m.strip().upper() for m in (resp.headers.get("Allow") or "").split(",")}
    assert "POST" in allowed and "DELETE" not in allowed, f"Allow is {resp.headers.get('Allow')!r}"


@pytest.mark.weight(2)
@pytest.mark.skill("json-errors")
def test_malformed_json_is_a_json_400(client, json_error):
    """A body that is not valid JSON answers 400 in JSON."""
    resp = client.post(
        "/api/parcels", data='{"recipient": "Ann", ', headers={"Content-Type": "application/json"}
    )
    json_error(resp, 400)


@pytest.mark.weight(1)
@pytest.mark.skill("json-errors")
def test_form_body_is_a_json_415(client, json_error):
    """A body sent without Content-Type: application/json answers 415 in JSON."""
    resp = client.post("/api/parcels", data={"recipient": "Ann", "weight_kg": "2"})
    json_error(resp, 415)


@pytest.mark.weight(1)
@pytest.mark.skill("custom-exceptions")
def test_body_must_be_a_json_object(client, json_error):
    """A JSON body that is not an object answers 400 "request body must be a JSON object"."""
    for body in ("[1, 2]", '"Ann"', "null"):
        resp = client.post("/api/parcels", data=body, headers={"Content-Type": "application/json"})
        json_error(resp, 400, "request body must be a JSON object")


@pytest.mark.weight(2)
@pytest.mark.skill("custom-exceptions")
def test_recipient_is_required(client, json_error):
    """A missing, blank or non-string recipient answers 400 "recipient is required"."""
    for body in ({"weight_kg": 2}, {"recipient": "   ", "weight_kg": 2}, {"recipient": 7}):
        resp = client.post("/api/parcels", json=body)
        json_error(resp, 400, "recipient is required")


@pytest.mark.weight(2)
@pytest.mark.skill("custom-exceptions")
def test_weight_must_be_in_range(client, json_error):
    """A missing weight, or one not in (0, 30], answers 400 with the weight message."""
    for weight in (None, 0, -1, 30.5, 1000):
        body = {"recipient": "Ann"} if weight is None else {"recipient": "Ann", "weight_kg": weight}
        json_error(client.post("/api/parcels", json=body), 400, WEIGHT_ERROR)
    assert (
        client.post("/api/parcels", json={"recipient": "Ann", "weight_kg": 30}).status_code == 201
    )


@pytest.mark.weight(1)
@pytest.mark.skill("custom-exceptions")
def test_weight_must_be_a_json_number(client, json_error):
    """A weight sent as a string or a boolean answers 400 with the weight message, never 500."""
    for weight in ("2", "heavy", True):
        resp = client.post("/api/parcels", json={"recipient": "Ann", "weight_kg": weight})
        json_error(resp, 400, WEIGHT_ERROR)


@pytest.mark.weight(2)
@pytest.mark.skill("custom-exceptions")
def test_delivering_twice_is_a_409(client, parcel, json_error):
    """Delivering a parcel works once; the second time answers 409 "parcel already delivered"."""
    first = client.post(f"/api/parcels/{parcel['code']}/deliver")
    assert first.status_code == 200, f"first delivery answered {first.status}"
    assert first.get_json().get("status") == "delivered"
    second = client.post(f"/api/parcels/{parcel['code']}/deliver")
    json_error(second, 409, "parcel already delivered")


@pytest.mark.weight(1)
@pytest.mark.skill("custom-exceptions")
def test_delivering_an_unknown_parcel_is_a_json_404(client, json_error):
    """POST /api/parcels/<unknown>/deliver answers 404 "parcel not found"."""
    json_error(client.post(f"/api/parcels/NOPE{_uid()}/deliver"), 404, "parcel not found")


@pytest.mark.weight(2)
@pytest.mark.skill("custom-exceptions")
def test_unavailable_carrier_is_a_503(client, json_error):
    """GET /api/carriers/slowpost/status answers 503 with the carrier's message."""
    resp = client.get("/api/carriers/slowpost/status")
    json_error(resp, 503, "slowpost is not answering")


@pytest.mark.weight(1)
@pytest.mark.skill("custom-exceptions")
def test_unavailable_carrier_says_when_to_retry(client):
    """The 503 for slowpost carries Retry-After: 120, from the exception."""
    resp = client.get("/api/carriers/slowpost/status")
    assert resp.status_code == 503, f"got {resp.status}"
    assert resp.headers.get("Retry-After") == "120"


@pytest.mark.weight(1)
@pytest.mark.skill("custom-exceptions")
def test_unknown_carrier_is_a_json_404(client, json_error):
    """GET /api/carriers/<unknown>/status answers 404 "unknown carrier"."""
    json_error(client.get(f"/api/carriers/c{_uid()}/status"), 404, "unknown carrier")


@pytest.mark.weight(2)
@pytest.mark.skill("json-errors")
def test_crash_under_api_is_a_clean_json_500(client, json_error):
    """A crash under /api answers exactly {"error": "internal server error", "status": 500}."""
    resp = client.get("/api/carriers/acme/status")
    json_error(resp, 500, "internal server error")
    assert resp.get_json() == {"error": "internal server error", "status": 500}


@pytest.mark.weight(3)
@pytest.mark.skill("no-leaks")
def test_crash_under_api_leaks_nothing(client, find_leaks):
    """A crash under /api answers 500 with no traceback, exception, path or connection string."""
    resp = client.get("/api/carriers/acme/status")
    assert resp.status_code == 500, f"got {resp.status}"
    assert not find_leaks(resp.text), f"the response leaks internals: {find_leaks(resp.text)}"
