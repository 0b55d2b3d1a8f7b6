"""Hidden suite for request-lifecycle: hooks, request ids, timing and teardown, over HTTP."""

from __future__ import annotations

import re
import uuid

import pytest

KEY = {"X-API-Key": "graded-api-key-93b1e0"}  # FLASK_API_KEY in challenge.toml
CARRIER_LATENCY_MS = 150  # the documented default of CARRIER_LATENCY_MS
SERVER_TIMING = re.compile(r"^app;dur=(\d+(?:\.\d+)?)$")


def _rid() -> str:
    """Return a fresh, valid X-Request-ID."""
    return f"test-{uuid.uuid4().hex}"


def _assert_uuid4(value: str | None) -> None:
    assert value, "the response has no X-Request-ID header"
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        raise AssertionError(f"X-Request-ID {value!r} is not a UUID") from None
    assert parsed.version == 4 and str(parsed) == value, (
        f"X-Request-ID {value!r} is not a canonical uuid4 string"
    )


def _duration_ms(resp) -> float:
    header = resp.headers.get("Server-Timing")
    assert header is not None, f"{resp.request_path} answered {resp.status} without Server-Timing"
    match = SERVER_TIMING.match(header.strip())
    assert match, f"Server-Timing must look like 'app;dur=12.3', got {header!r}"
    return float(match.group(1))


def _record(client, request_id: str) -> dict:
    resp = client.get(f"/api/requests/{request_id}", headers=KEY)
    assert resp.status_code == 200, (
        f"GET /api/requests/{request_id} answered {resp.status}: the request is not in the journal"
    )
    body = resp.get_json()
    assert isinstance(body, dict), "GET /api/requests/<id> must answer a JSON object"
    return body


def _error_responses(client):
    """Yield (label, response) for one request of each error kind, each with its own id."""
    cases = (
        ("404 outside /api", lambda h: client.get("/nowhere", headers=h)),
        ("404 under /api", lambda h: client.get("/api/nothing-here", headers={**KEY, **h})),
        ("405", lambda h: client.delete("/health", headers=h)),
        ("401", lambda h: client.get("/api/quotes", headers=h)),
        ("500", lambda h: client.get("/api/crash", headers={**KEY, **h})),
    )
    for label, send in cases:
        request_id = _rid()
        yield label, request_id, send({"X-Request-ID": request_id})


@pytest.mark.visible
@pytest.mark.weight(2)
@pytest.mark.skill("request-id")
def test_health_gets_a_generated_request_id(client):
    """GET /health (no API key needed) answers with a fresh uuid4 X-Request-ID."""
    resp = client.get("/health")
    assert resp.status_code == 200, f"GET /health answered {resp.status}"
    assert resp.get_json() == {"status": "ok"}
    _assert_uuid4(resp.headers.get("X-Request-ID"))


@pytest.mark.visible
@pytest.mark.weight(2)
@pytest.mark.skill("before-request")
def test_missing_api_key_stops_the_request_before_the_view(client):
    """POST /api/shipments without X-API-Key is 401 and the view never runs."""
    reference = f"ref-{uuid.uuid4().hex[:12]}"
    shipment = {"reference": reference, "weight_kg": 1.5, "zone": "eu"}
    resp = client.post("/api/shipments", json=shipment)
    assert resp.status_code == 401, f"expected 401 without a key, got {resp.status}"
    assert resp.mimetype == "application/json", f"expected JSON, got {resp.content_type!r}"
    after = client.get(f"/api/shipments/{reference}", headers=KEY)
    assert after.status_code == 404, (
        "the shipment exists: the view ran although the key was missing"
    )


@pytest.mark.weight(2)
@pytest.mark.skill("request-id")
def test_valid_incoming_request_id_is_echoed(client):
    """A valid incoming X-Request-ID (1-64 of A-Z a-z 0-9 . _ -) is sent back unchanged."""
    for request_id in (_rid(), "a", "Trace.2024_01-abc", "x" * 64):
        resp = client.get("/health", headers={"X-Request-ID": request_id})
        assert resp.headers.get("X-Request-ID") == request_id, (
            f"sent X-Request-ID {request_id!r}, got back {resp.headers.get('X-Request-ID')!r}"
        )


@pytest.mark.weight(2)
@pytest.mark.skill("request-id")
def test_invalid_request_id_is_replaced_by_a_uuid4(client):
    """An invalid incoming X-Request-ID is not echoed: the app makes a uuid4 instead."""
    for bad in ("has spaces in it", "x" * 65, "<script>alert(1)</script>", "id;drop", "café-1"):
        resp = client.get("/health", headers={"X-Request-ID": bad})
        got = resp.headers.get("X-Request-ID")
        assert got != bad, f"the invalid X-Request-ID {bad!r} was echoed back"
        _assert_uuid4(got)


@pytest.mark.weight(1)
@pytest.mark.skill("request-id")
def test_generated_request_ids_are_unique(client):
    """Requests without X-Request-ID each get a different uuid4."""
    ids = [client.get("/health").headers.get("X-Request-ID") for _ in range(5)]
    for value in ids:
        _assert_uuid4(value)
    assert len(set(ids)) == 5, f"request ids repeat: {ids}"


@pytest.mark.weight(3)
@pytest.mark.skill("after-request")
def test_error_responses_carry_the_request_id(client):
    """404, 405, 401 and 500 responses carry the request's X-Request-ID too."""
    for label, request_id, resp in _error_responses(client):
        expected = int(label[:3])
        assert resp.status_code == expected, f"{label}: expected {expected}, got {resp.status}"
        assert resp.headers.get("X-Request-ID") == request_id, (
            f"{label} response lost the request id: got {resp.headers.get('X-Request-ID')!r}"
        )


@pytest.mark.weight(2)
@pytest.mark.skill("timing")
def test_error_responses_carry_server_timing(client):
    """404, 405, 401 and 500 responses carry a Server-Timing header too."""
    for label, _request_id, resp in _error_responses(client):
        assert resp.status_code == int(label[:3]), f"{label}: got {resp.status}"
        duration = _duration_ms(resp)
        assert 0 <= duration < 5000, f"{label}: implausible duration {duration} ms"


@pytest.mark.weight(1)
@pytest.mark.skill("request-id")
def test_json_errors_name_the_request_id(client):
    """JSON error bodies (401, 404) include "request_id", the same as the header."""
    for resp in (
        client.get("/api/quotes", headers={"X-Request-ID": _rid()}),
        client.get(f"/api/shipments/{uuid.uuid4().hex}", headers={**KEY, "X-Request-ID": _rid()}),
    ):
        body = resp.get_json()
        assert resp.status_code in (401, 404) and isinstance(body, dict), (
            f"{resp.request_path}: expected a JSON error, got {resp.status} {resp.content_type!r}"
        )
        assert isinstance(body.get("error"), str), 'error bodies must have an "error" message'
        assert body.get("request_id") == resp.headers.get("X-Request-ID"), (
            f'"request_id" in the body ({body.get("request_id")!r}) must equal the header'
        )


@pytest.mark.weight(1)
@pytest.mark.skill("after-request")
def test_500_is_json_and_hides_the_exception(client):
    """GET /api/crash is a JSON 500 with the request id, revealing nothing of the exception."""
    request_id = _rid()
    resp = client.get("/api/crash", headers={**KEY, "X-Request-ID": request_id})
    assert resp.status_code == 500, f"GET /api/crash answered {resp.status}"
    assert resp.mimetype == "application/json", f"expected JSON, got {resp.content_type!r}"
    body = resp.get_json()
    assert isinstance(body, dict) and isinstance(body.get("error"), str)
    assert body.get("request_id") == request_id
    for leak in ("RuntimeError", "secret.key", "Traceback", "synthetic failure"):
        assert leak not in resp.text, f"the 500 body reveals {leak!r}"


@pytest.mark.weight(1)
@pytest.mark.skill("timing")
def test_server_timing_on_success(client):
    """GET /health answers Server-Timing: app;dur=<milliseconds> with a plausible value."""
    duration = _duration_ms(client.get("/health"))
    assert 0 <= duration < 5000, f"implausible duration {duration} ms for GET /health"


@pytest.mark.weight(2)
@pytest.mark.skill("timing")
def test_server_timing_covers_the_view(client):
    """A quote (which waits for the carrier) reports at least the carrier's latency."""
    resp = client.get("/api/quotes", headers=KEY, query_string={"weight_kg": "2.5", "zone": "eu"})
    assert resp.status_code == 200, f"GET /api/quotes answered {resp.status}"
    assert resp.get_json() == {"weight_kg": 2.5, "zone": "eu", "price_cents": 1260}
    duration = _duration_ms(resp)
    assert CARRIER_LATENCY_MS - 5 <= duration < 5000, (
        f"the quote waited {CARRIER_LATENCY_MS} ms for the carrier but Server-Timing says "
        f"{duration} ms: time from before_request to after_request, in milliseconds"
    )


@pytest.mark.weight(1)
@pytest.mark.skill("before-request")
def test_wrong_api_key_is_401_and_right_key_passes(client):
    """A wrong or empty X-API-Key is 401; the configured key reaches the view."""
    params = {"weight_kg": "1", "zone": "domestic"}
    for headers in ({"X-API-Key": "guess"}, {"X-API-Key": ""}, {"X-Api-Key": "graded-api-key"}):
        resp = client.get("/api/quotes", headers=headers, query_string=params)
        assert resp.status_code == 401, f"X-API-Key {headers} answered {resp.status}"
    resp = client.get("/api/quotes", headers=KEY, query_string=params)
    assert resp.status_code == 200, f"the right key answered {resp.status}"


@pytest.mark.weight(1)
@pytest.mark.skill("before-request")
def test_unknown_api_url_without_key_is_401(client):
    """The key check runs before routing errors surface: /api/<unknown> without a key is 401."""
    resp = client.get(f"/api/{uuid.uuid4().hex}")
    assert resp.status_code == 401, f"an unknown /api URL without a key answered {resp.status}"


@pytest.mark.weight(3)
@pytest.mark.skill("teardown")
def test_teardown_runs_after_an_unhandled_exception(client):
    """After GET /api/crash the journal shows status 500, error RuntimeError, torn down."""
    request_id = _rid()
    client.get("/api/crash", headers={**KEY, "X-Request-ID": request_id})
    record = _record(client, request_id)
    assert record.get("torn_down") is True, "teardown_request did not run for the crashed request"
    assert record.get("error") == "RuntimeError", (
        f'teardown received {record.get("error")!r}, expected "RuntimeError"'
    )
    assert record.get("status") == 500, f"after_request recorded {record.get('status')!r}"


@pytest.mark.weight(2)
@pytest.mark.skill("teardown")
def test_teardown_runs_after_a_short_circuit(client):
    """A request refused by the key check is still recorded, answered (401) and torn down."""
    request_id = _rid()
    client.get("/api/quotes", headers={"X-Request-ID": request_id})
    record = _record(client, request_id)
    assert record.get("status") == 401, f"recorded status {record.get('status')!r}, expected 401"
    assert record.get("torn_down") is True, "teardown_request did not run for the refused request"
    assert record.get("error") is None, f"a refused request is not an error: {record!r}"


@pytest.mark.weight(1)
@pytest.mark.skill("teardown")
def test_handled_404_reaches_teardown_without_an_exception(client):
    """A 404 handled by Flask is torn down with error null: teardown sees unhandled ones only."""
    request_id = _rid()
    client.get(f"/api/shipments/{uuid.uuid4().hex}", headers={**KEY, "X-Request-ID": request_id})
    record = _record(client, request_id)
    assert record.get("status") == 404, f"recorded status {record.get('status')!r}, expected 404"
    assert record.get("torn_down") is True
    assert record.get("error") is None, f"teardown received {record.get('error')!r}, expected null"


@pytest.mark.weight(1)
@pytest.mark.skill("teardown")
def test_journal_record_of_a_successful_request(client):
    """GET /api/requests/<id> shows the whole record of a successful request."""
    request_id = _rid()
    resp = client.get(
        "/api/quotes",
        headers={**KEY, "X-Request-ID": request_id},
        query_string={"weight_kg": "3", "zone": "world"},
    )
    assert resp.status_code == 200, f"GET /api/quotes answered {resp.status}"
    assert _record(client, request_id) == {
        "request_id": request_id,
        "method": "GET",
        "path": "/api/quotes",
        "status": 200,
        "error": None,
        "torn_down": True,
    }


@pytest.mark.weight(1)
@pytest.mark.skill("teardown")
def test_unknown_journal_record_is_404(client):
    """GET /api/requests/<id> for an id never seen is a JSON 404."""
    resp = client.get(f"/api/requests/never-{uuid.uuid4().hex}", headers=KEY)
    assert resp.status_code == 404, f"expected 404, got {resp.status}"
    assert resp.mimetype == "application/json", f"expected JSON, got {resp.content_type!r}"


@pytest.mark.weight(1)
@pytest.mark.skill("before-request")
def test_shipments_are_booked_once(client):
    """With the key, POST /api/shipments books (201), GET finds it, a second booking is 409."""
    reference = f"ref-{uuid.uuid4().hex[:12]}"
    shipment = {"reference": reference, "weight_kg": 0.5, "zone": "domestic"}
    created = client.post("/api/shipments", json=shipment, headers=KEY)
    assert created.status_code == 201, f"POST /api/shipments answered {created.status}"
    expected = {**shipment, "price_cents": 570}
    assert created.get_json() == expected
    assert client.get(f"/api/shipments/{reference}", headers=KEY).get_json() == expected
    again = client.post("/api/shipments", json=shipment, headers=KEY)
    assert again.status_code == 409, f"a second booking answered {again.status}, expected 409"
