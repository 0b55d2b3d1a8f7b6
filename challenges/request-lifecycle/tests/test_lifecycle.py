"""Hidden suite for request-lifecycle: request ids, timing, the API key and JSON errors."""

from __future__ import annotations

import ast
import uuid

import pytest
from conftest import assert_json_error, assert_uuid4, duration_ms, record, reference, rid

CARRIER_LATENCY_MS = 150  # the documented default of CARRIER_LATENCY_MS


# -- the request id (R1, R2) -------------------------------------------------------------------


@pytest.mark.visible
@pytest.mark.weight(2)
@pytest.mark.skill("request-id")
@pytest.mark.requirement("R2", "R14")
def test_health_gets_a_generated_request_id(client):
    """GET /health (no API key needed) answers with a fresh uuid4 X-Request-ID."""
    resp = client.get("/health")
    assert resp.status_code == 200, f"GET /health answered {resp.status}"
    assert resp.mimetype == "application/json", f"expected JSON, got {resp.content_type!r}"
    assert resp.get_json() == {"status": "ok"}
    assert_uuid4(resp.headers.get("X-Request-ID"))


@pytest.mark.weight(2)
@pytest.mark.skill("request-id")
@pytest.mark.requirement("R1", "R2")
def test_request_id_length_limits(client):
    """An X-Request-ID of 1 or 64 characters is echoed; an empty or 65-character one is not."""
    for valid in ("a", "Z", "7", "b" * 64):
        got = client.get("/health", headers={"X-Request-ID": valid}).headers.get("X-Request-ID")
        assert got == valid, f"the valid X-Request-ID {valid!r} came back as {got!r}"
    for invalid in ("", "c" * 65):
        got = client.get("/health", headers={"X-Request-ID": invalid}).headers.get("X-Request-ID")
        assert got != invalid, f"the invalid X-Request-ID {invalid!r} was echoed back"
        assert_uuid4(got, f"X-Request-ID that replaced {invalid!r}")


@pytest.mark.weight(2)
@pytest.mark.skill("request-id")
@pytest.mark.requirement("R1")
def test_request_id_allowed_characters_are_echoed(client):
    """Every character of A-Z a-z 0-9 . _ - is allowed in an incoming X-Request-ID."""
    for valid in ("ABCXYZabcxyz0189", "trace.2024_01-x", ".", "_", "-", rid()):
        got = client.get("/health", headers={"X-Request-ID": valid}).headers.get("X-Request-ID")
        assert got == valid, f"the valid X-Request-ID {valid!r} came back as {got!r}"


@pytest.mark.weight(2)
@pytest.mark.skill("request-id")
@pytest.mark.requirement("R2")
def test_request_id_other_characters_are_replaced(client):
    """Any other character (space, /, :, ;, +, @, <, non-ASCII) makes the app use a uuid4."""
    for invalid in ("has spaces", "a/b", "a:b", "id;drop", "a+b", "a@b", "<script>", "café-1"):
        got = client.get("/health", headers={"X-Request-ID": invalid}).headers.get("X-Request-ID")
        assert got != invalid, f"the invalid X-Request-ID {invalid!r} was echoed back"
        assert_uuid4(got, f"X-Request-ID that replaced {invalid!r}")


@pytest.mark.weight(1)
@pytest.mark.skill("request-id")
@pytest.mark.requirement("R2")
def test_generated_request_ids_are_unique(client):
    """Requests without X-Request-ID each get a different uuid4."""
    ids = [client.get("/health").headers.get("X-Request-ID") for _ in range(5)]
    for value in ids:
        assert_uuid4(value)
    assert len(set(ids)) == 5, f"request ids repeat: {ids}"


# -- every response, errors included (R3, R4, R9) ----------------------------------------------

ERROR_CASES = {
    # label: (status, method, path, needs the key, query string)
    "400 invalid quote": (400, "GET", "/api/quotes", True, {"weight_kg": "0", "zone": "eu"}),
    "401 missing key": (401, "GET", "/api/quotes", False, {"weight_kg": "1", "zone": "eu"}),
    "404 no route": (404, "GET", "/nowhere", False, None),
    "404 from a view": (404, "GET", "/api/shipments/never-booked", True, None),
    "405 wrong method": (405, "DELETE", "/health", False, None),
    "500 unhandled exception": (500, "GET", "/api/crash", True, None),
}


def _send_error_case(client, key, label: str, headers: dict[str, str]):
    status, method, path, needs_key, query = ERROR_CASES[label]
    if path == "/nowhere":
        path = f"/nowhere-{uuid.uuid4().hex}"
    resp = client.open(
        path, method=method, headers={**(key if needs_key else {}), **headers}, query_string=query
    )
    assert resp.status_code == status, f"{label}: {method} {path} answered {resp.status}"
    return resp


@pytest.mark.weight(1)
@pytest.mark.skill("after-request")
@pytest.mark.requirement("R3")
@pytest.mark.parametrize("label", list(ERROR_CASES))
@pytest.mark.hint("Error responses need the same headers as successful ones.")
def test_error_response_carries_the_request_id(client, key, label):
    """Error responses (400, 401, 404, 405, 500) carry the request's X-Request-ID too."""
    request_id = rid()
    resp = _send_error_case(client, key, label, {"X-Request-ID": request_id})
    assert resp.headers.get("X-Request-ID") == request_id, (
        f"the {label} response lost the request id: got {resp.headers.get('X-Request-ID')!r}"
    )


@pytest.mark.weight(1)
@pytest.mark.skill("timing")
@pytest.mark.requirement("R4")
@pytest.mark.parametrize("label", list(ERROR_CASES))
def test_error_response_carries_server_timing(client, key, label):
    """Error responses (400, 401, 404, 405, 500) carry Server-Timing: app;dur=<ms> too."""
    resp = _send_error_case(client, key, label, {"X-Request-ID": rid()})
    duration = duration_ms(resp)
    assert 0 <= duration < 5000, f"{label}: implausible duration {duration} ms"


@pytest.mark.weight(1)
@pytest.mark.skill("after-request")
@pytest.mark.requirement("R9")
@pytest.mark.parametrize("label", list(ERROR_CASES))
def test_error_response_is_a_json_error(client, key, label):
    """Error responses are JSON {"error": ..., "request_id": ...}; a 405 keeps its Allow."""
    request_id = rid()
    resp = _send_error_case(client, key, label, {"X-Request-ID": request_id})
    body = assert_json_error(resp, ERROR_CASES[label][0], label)
    assert body.get("request_id") == request_id, (
        f'{label}: "request_id" in the body is {body.get("request_id")!r}, expected {request_id!r}'
    )
    if resp.status_code == 405:
        allow = {m.strip() for m in (resp.headers.get("Allow") or "").split(",") if m.strip()}
        assert allow == {"GET", "HEAD", "OPTIONS"}, (
            f"the 405 for DELETE /health must keep Allow: GET, HEAD, OPTIONS, got {allow or None}"
        )


@pytest.mark.weight(1)
@pytest.mark.skill("request-id")
@pytest.mark.requirement("R2", "R9")
def test_error_body_names_the_generated_id(client):
    """An error for a request with an invalid X-Request-ID names the generated id, not the sent."""
    resp = client.get(f"/nowhere-{uuid.uuid4().hex}", headers={"X-Request-ID": "not valid"})
    body = assert_json_error(resp, 404, "GET /nowhere-...")
    header = resp.headers.get("X-Request-ID")
    assert_uuid4(header)
    assert body.get("request_id") == header, (
        f'"request_id" in the body ({body.get("request_id")!r}) must equal the header ({header!r})'
    )


@pytest.mark.weight(3)
@pytest.mark.skill("after-request")
@pytest.mark.requirement("R10", "R19")
@pytest.mark.hint("An unexpected error answers the documented JSON error, not its details.")
def test_500_hides_the_exception(client, key):
    """GET /api/crash is a 500 whose body and headers reveal nothing of the exception."""
    resp = client.get("/api/crash", headers={**key, "X-Request-ID": rid()})
    assert resp.status_code == 500, f"GET /api/crash answered {resp.status}, expected 500"
    for leak in ("RuntimeError", "secret.key", "/etc/parcelly", "Traceback", "synthetic failure"):
        assert leak not in resp.text, f"the 500 body reveals {leak!r}"
        for name, value in resp.headers.items():
            assert leak not in value, f"the 500's {name} header reveals {leak!r}"


# -- timing (R4) ---------------------------------------------------------------------------------


@pytest.mark.weight(1)
@pytest.mark.skill("timing")
@pytest.mark.requirement("R4")
def test_server_timing_on_success(client):
    """GET /health answers Server-Timing: app;dur=<milliseconds> with a plausible value."""
    resp = client.get("/health")
    assert resp.status_code == 200, f"GET /health answered {resp.status}"
    duration = duration_ms(resp)
    assert 0 <= duration < 5000, f"implausible duration {duration} ms for GET /health"


@pytest.mark.weight(2)
@pytest.mark.skill("timing")
@pytest.mark.requirement("R4")
def test_server_timing_covers_the_view(client, key):
    """A quote (which waits for the carrier) reports at least the carrier's latency."""
    resp = client.get("/api/quotes", headers=key, query_string={"weight_kg": "2.5", "zone": "eu"})
    assert resp.status_code == 200, f"GET /api/quotes answered {resp.status}"
    duration = duration_ms(resp)
    assert CARRIER_LATENCY_MS - 5 <= duration < 5000, (
        f"the quote waited {CARRIER_LATENCY_MS} ms for the carrier but Server-Timing says "
        f"{duration} ms: time from before_request to after_request, in milliseconds"
    )


# -- the API key (R5 to R8) ----------------------------------------------------------------------


@pytest.mark.visible
@pytest.mark.weight(2)
@pytest.mark.skill("before-request")
@pytest.mark.requirement("R6")
@pytest.mark.hint("Refuse a request without a valid key before any view runs.")
def test_missing_api_key_stops_the_request_before_the_view(client, key):
    """POST /api/shipments without X-API-Key is refused and the view never runs."""
    ref = reference()
    shipment = {"reference": ref, "weight_kg": 1.5, "zone": "eu"}
    resp = client.post("/api/shipments", json=shipment)
    assert resp.status_code != 201, "the shipment was booked without an API key"
    after = client.get(f"/api/shipments/{ref}", headers=key)
    assert after.status_code == 404, (
        f"GET of the refused shipment answered {after.status}: the view ran without the key"
    )


@pytest.mark.weight(3)
@pytest.mark.skill("before-request")
@pytest.mark.requirement("R6")
def test_wrong_api_key_books_nothing(client, key):
    """POST /api/shipments with a wrong X-API-Key books nothing."""
    ref = reference()
    shipment = {"reference": ref, "weight_kg": 2, "zone": "world"}
    resp = client.post("/api/shipments", json=shipment, headers={"X-API-Key": "guess"})
    assert resp.status_code != 201, "the shipment was booked with a wrong API key"
    after = client.get(f"/api/shipments/{ref}", headers=key)
    assert after.status_code == 404, (
        f"GET of the refused shipment answered {after.status}: the view ran with a wrong key"
    )


@pytest.mark.weight(2)
@pytest.mark.skill("before-request")
@pytest.mark.requirement("R5")
def test_only_the_exact_key_passes(client, key):
    """The configured key passes; none, one character less or more, another case, empty: 401."""
    good = key["X-API-Key"]
    params = {"weight_kg": "1", "zone": "domestic"}
    resp = client.get("/api/quotes", headers={"x-api-key": good}, query_string=params)
    assert resp.status_code == 200, f"the configured key answered {resp.status}"
    resp = client.get("/api/quotes", query_string=params)
    assert_json_error(resp, 401, "no X-API-Key header")
    for wrong in (good[:-1], good + "x", good[1:], good.upper(), "", "guess"):
        resp = client.get("/api/quotes", headers={"X-API-Key": wrong}, query_string=params)
        assert_json_error(resp, 401, f"X-API-Key {wrong!r}")


@pytest.mark.weight(1)
@pytest.mark.skill("before-request")
@pytest.mark.requirement("R5")
def test_paths_outside_api_need_no_key(client):
    """/health, /apix and /api-docs are not under /api: no key needed (200, 404, 404)."""
    assert client.get("/health").status_code == 200, "GET /health without a key must be 200"
    for path in ("/apix", "/api-docs"):
        resp = client.get(path)
        assert_json_error(resp, 404, f"GET {path} (not under /api) without a key")


@pytest.mark.weight(2)
@pytest.mark.skill("before-request")
@pytest.mark.requirement("R5", "R13")
def test_refused_crash_never_runs(client, key):
    """GET /api/crash without a key is a 401: the view never ran, teardown saw no exception."""
    request_id = rid()
    resp = client.get("/api/crash", headers={"X-Request-ID": request_id})
    assert_json_error(resp, 401, "GET /api/crash without a key")
    journal = record(client, key, request_id)
    assert journal.get("error") is None, f"the refused request crashed: {journal!r}"


@pytest.mark.weight(2)
@pytest.mark.skill("before-request")
@pytest.mark.requirement("R7")
def test_unknown_api_url_is_401_without_key_and_404_with_it(client, key):
    """/api URLs matching no route: 401 without a key, 404 with it (/api itself included)."""
    for path in (f"/api/{uuid.uuid4().hex}", "/api", "/api/"):
        assert_json_error(client.get(path), 401, f"GET {path} without a key")
        assert_json_error(client.get(path, headers=key), 404, f"GET {path} with the key")


@pytest.mark.weight(1)
@pytest.mark.skill("before-request")
@pytest.mark.requirement("R7", "R9")
def test_wrong_method_under_api_is_401_without_key_and_405_with_it(client, key):
    """DELETE /api/quotes: 401 without a key, 405 with Allow: GET, HEAD, OPTIONS with it."""
    assert_json_error(client.delete("/api/quotes"), 401, "DELETE /api/quotes without a key")
    resp = client.delete("/api/quotes", headers=key)
    assert_json_error(resp, 405, "DELETE /api/quotes with the key")
    allow = {m.strip() for m in (resp.headers.get("Allow") or "").split(",") if m.strip()}
    assert allow == {"GET", "HEAD", "OPTIONS"}, f"the 405 must keep its Allow header, got {allow}"


def _literal_keys(tree: ast.AST) -> list[str]:
    """Return descriptions of string literals used as an API key in a module."""

    def names_key(node: ast.AST | None) -> bool:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return "API_KEY" in node.value.upper().replace("-", "_")
        if isinstance(node, ast.Name):
            return "API_KEY" in node.id.upper()
        if isinstance(node, ast.Attribute):
            return "API_KEY" in node.attr.upper()
        if isinstance(node, ast.Subscript):
            return names_key(node.slice)
        return False

    def literal(node: ast.AST | None) -> bool:
        return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(node.value)

    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg and literal(node.value):
            if "API_KEY" in node.arg.upper():
                found.append(f"{node.arg}={node.value.value!r}")
        elif isinstance(node, ast.Dict):
            for k, v in zip(node.keys, node.values, strict=True):
                if names_key(k) and literal(v):
                    found.append(f"{k.value!r}: {v.value!r}")
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if literal(node.value) and any(names_key(t) for t in targets):
                found.append(f"{ast.unparse(node)}")
        elif isinstance(node, ast.Call) and len(node.args) >= 2 and literal(node.args[1]):
            first = node.args[0]
            if isinstance(first, ast.Constant) and first.value in ("API_KEY", "FLASK_API_KEY"):
                found.append(ast.unparse(node))  # config.get / os.environ.get with a default
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(literal(s) for s in sides) and any(
                isinstance(s, ast.Call) and "API" in ast.unparse(s).upper() for s in sides
            ):
                found.append(ast.unparse(node))
    return found


@pytest.mark.weight(2)
@pytest.mark.skill("before-request")
@pytest.mark.requirement("R8")
def test_api_key_is_not_written_in_the_code(source, app_env):
    """No API key is written in the code (not even as a default): it comes from FLASK_API_KEY."""
    configured = app_env["FLASK_API_KEY"]
    for path in source.python_files():
        assert configured not in source.text(path), f"{path} contains the configured API key"
        found = _literal_keys(source.ast(path))
        assert not found, f"{path} writes an API key in the code: {found[0]}"


# -- the journal (R11 to R13, R20) ---------------------------------------------------------------


@pytest.mark.weight(2)
@pytest.mark.skill("before-request")
@pytest.mark.requirement("R11", "R20")
def test_journal_record_is_open_while_the_view_runs(client, key):
    """A request that reads its own record sees it opened: status null, not torn down."""
    request_id = rid()
    resp = client.get(f"/api/requests/{request_id}", headers={**key, "X-Request-ID": request_id})
    assert resp.status_code == 200, (
        f"GET /api/requests/<its own id> answered {resp.status}: the record must exist before "
        "the view runs"
    )
    assert resp.get_json() == {
        "request_id": request_id,
        "method": "GET",
        "path": f"/api/requests/{request_id}",
        "status": None,
        "error": None,
        "torn_down": False,
    }


@pytest.mark.weight(1)
@pytest.mark.skill("after-request")
@pytest.mark.requirement("R11", "R12", "R13")
def test_journal_records_requests_outside_api(client, key):
    """A request to /health is recorded too: method, path, status 200, torn down."""
    request_id = rid()
    resp = client.get("/health", headers={"X-Request-ID": request_id})
    assert resp.status_code == 200, f"step 1: GET /health answered {resp.status}"
    assert record(client, key, request_id) == {
        "request_id": request_id,
        "method": "GET",
        "path": "/health",
        "status": 200,
        "error": None,
        "torn_down": True,
    }


@pytest.mark.weight(1)
@pytest.mark.skill("teardown")
@pytest.mark.requirement("R11", "R12", "R13")
def test_journal_record_of_a_successful_request(client, key):
    """The record of a quote: its path without the query string, status 200, torn down."""
    request_id = rid()
    resp = client.get(
        "/api/quotes",
        headers={**key, "X-Request-ID": request_id},
        query_string={"weight_kg": "3", "zone": "world"},
    )
    assert resp.status_code == 200, f"step 1: GET /api/quotes answered {resp.status}"
    assert record(client, key, request_id) == {
        "request_id": request_id,
        "method": "GET",
        "path": "/api/quotes",
        "status": 200,
        "error": None,
        "torn_down": True,
    }


@pytest.mark.weight(1)
@pytest.mark.skill("after-request")
@pytest.mark.requirement("R11", "R12")
def test_journal_records_a_booking(client, key):
    """The record of a booking says POST /api/shipments and 201."""
    request_id = rid()
    shipment = {"reference": reference(), "weight_kg": 1, "zone": "eu"}
    resp = client.post("/api/shipments", json=shipment, headers={**key, "X-Request-ID": request_id})
    assert resp.status_code == 201, f"step 1: POST /api/shipments answered {resp.status}"
    journal = record(client, key, request_id)
    assert (journal.get("method"), journal.get("path"), journal.get("status")) == (
        "POST",
        "/api/shipments",
        201,
    ), f"the booking's record is {journal!r}"


@pytest.mark.weight(1)
@pytest.mark.skill("after-request")
@pytest.mark.requirement("R12", "R13")
@pytest.mark.parametrize(
    ("status", "method", "path", "query"),
    [
        (400, "GET", "/api/quotes", {"weight_kg": "31", "zone": "eu"}),
        (405, "DELETE", "/health", None),
    ],
    ids=["400", "405"],
)
def test_journal_status_is_the_status_sent(client, key, status, method, path, query):
    """after_request records the status of the error response sent (400, 405)."""
    request_id = rid()
    headers = {**key, "X-Request-ID": request_id}
    resp = client.open(path, method=method, headers=headers, query_string=query)
    assert resp.status_code == status, f"step 1: {method} {path} answered {resp.status}"
    journal = record(client, key, request_id)
    assert (journal.get("method"), journal.get("status")) == (method, status), (
        f"the record of {method} {path} is {journal!r}"
    )
    assert journal.get("torn_down") is True and journal.get("error") is None, (
        f"a handled {status} is torn down with error null: {journal!r}"
    )


@pytest.mark.weight(3)
@pytest.mark.skill("teardown")
@pytest.mark.requirement("R12", "R13")
@pytest.mark.hint("Work that must follow every request must run even when the view fails.")
def test_teardown_runs_after_an_unhandled_exception(client, key):
    """After GET /api/crash the journal shows status 500, error RuntimeError, torn down."""
    request_id = rid()
    resp = client.get("/api/crash", headers={**key, "X-Request-ID": request_id})
    assert resp.status_code == 500, f"step 1: GET /api/crash answered {resp.status}"
    journal = record(client, key, request_id)
    assert journal.get("torn_down") is True, "teardown_request did not run for the crashed request"
    assert journal.get("error") == "RuntimeError", (
        f'teardown received {journal.get("error")!r}, expected "RuntimeError"'
    )
    assert journal.get("status") == 500, f"after_request recorded {journal.get('status')!r}"


@pytest.mark.weight(2)
@pytest.mark.skill("teardown")
@pytest.mark.requirement("R12", "R13")
def test_teardown_runs_after_a_short_circuit(client, key):
    """A request refused by the key check is still recorded, answered (401) and torn down."""
    request_id = rid()
    resp = client.get("/api/quotes", headers={"X-Request-ID": request_id})
    assert resp.status_code == 401, f"step 1: GET /api/quotes without a key answered {resp.status}"
    journal = record(client, key, request_id)
    assert journal.get("status") == 401, f"recorded status {journal.get('status')!r}, not 401"
    assert journal.get("torn_down") is True, "teardown_request did not run for the refused request"
    assert journal.get("error") is None, f"a refused request is not an error: {journal!r}"


@pytest.mark.weight(1)
@pytest.mark.skill("teardown")
@pytest.mark.requirement("R12", "R13")
def test_handled_404_reaches_teardown_without_an_exception(client, key):
    """A 404 handled by Flask is torn down with error null: teardown sees unhandled ones only."""
    request_id = rid()
    resp = client.get(
        f"/api/shipments/{uuid.uuid4().hex}", headers={**key, "X-Request-ID": request_id}
    )
    assert resp.status_code == 404, f"step 1: GET of an unknown shipment answered {resp.status}"
    journal = record(client, key, request_id)
    assert journal.get("status") == 404, f"recorded status {journal.get('status')!r}, not 404"
    assert journal.get("torn_down") is True, "teardown_request did not run for the 404"
    assert journal.get("error") is None, f"teardown received {journal.get('error')!r}, not null"


@pytest.mark.weight(1)
@pytest.mark.skill("teardown")
@pytest.mark.requirement("R20")
def test_unknown_journal_record_is_404(client, key):
    """GET /api/requests/<id> for an id never seen is a JSON 404."""
    resp = client.get(f"/api/requests/never-{uuid.uuid4().hex}", headers=key)
    assert_json_error(resp, 404, "GET /api/requests/<unknown id>")
