"""Hidden suite for error-handling: the routes work; the app's own exceptions are JSON errors."""

from __future__ import annotations

import uuid

import pytest

WEIGHT_ERROR = "weight_kg must be a number above 0 and at most 30"
OBJECT_ERROR = "request body must be a JSON object"
RECIPIENT_ERROR = "recipient is required"


def _uid() -> str:
    return uuid.uuid4().hex[:10]


def _post_raw(client, body: str):
    return client.post("/api/parcels", data=body, headers={"Content-Type": "application/json"})


# -- R1: the routes --------------------------------------------------------------------------


@pytest.mark.visible
@pytest.mark.weight(1)
@pytest.mark.skill("status-codes")
@pytest.mark.requirement("R1")
def test_registering_a_parcel_answers_201(client):
    """POST /api/parcels with a valid body answers 201 and the parcel, which can be fetched."""
    recipient = f"Ann {_uid()}"
    resp = client.post("/api/parcels", json={"recipient": recipient, "weight_kg": 2.5})
    assert resp.status_code == 201, f"step 1: POST /api/parcels answered {resp.status}"
    created = resp.get_json()
    assert isinstance(created, dict) and isinstance(created.get("code"), str), (
        f'step 1: the 201 body is not a parcel with a "code": {created!r}'
    )
    expected = {"code": created["code"], "recipient": recipient, "weight_kg": 2.5}
    assert created == expected | {"status": "registered"}, f"step 1: the 201 body is {created!r}"
    fetched = client.get(f"/api/parcels/{created['code']}")
    assert fetched.status_code == 200, f"step 2: GET /api/parcels/<code> answered {fetched.status}"
    assert fetched.get_json() == created, f"step 2: GET answered {fetched.get_json()!r}"


@pytest.mark.weight(1)
@pytest.mark.skill("status-codes")
@pytest.mark.requirement("R1")
def test_delivering_a_parcel_answers_200_delivered(client, parcel):
    """POST /api/parcels/<code>/deliver answers 200 and the parcel, now "delivered"."""
    resp = client.post(f"/api/parcels/{parcel['code']}/deliver")
    assert resp.status_code == 200, f"step 1: delivering answered {resp.status}"
    assert resp.get_json() == parcel | {"status": "delivered"}, f"step 1: got {resp.get_json()!r}"
    fetched = client.get(f"/api/parcels/{parcel['code']}")
    assert fetched.get_json() == parcel | {"status": "delivered"}, (
        f"step 2: after delivery GET /api/parcels/<code> answered {fetched.get_json()!r}"
    )


@pytest.mark.weight(1)
@pytest.mark.skill("status-codes")
@pytest.mark.requirement("R1")
def test_working_carrier_is_operational(client):
    """GET /api/carriers/postly/status answers 200 operational; its page answers 200 HTML."""
    resp = client.get("/api/carriers/postly/status")
    assert resp.status_code == 200, f"the API answered {resp.status}"
    assert resp.get_json() == {"carrier": "postly", "status": "operational"}
    page = client.get("/carriers/postly")
    assert page.status_code == 200, f"GET /carriers/postly answered {page.status}"
    assert page.mimetype == "text/html" and "operational" in page.text


# -- R2, R3, R4: validating a new parcel -----------------------------------------------------


@pytest.mark.weight(2)
@pytest.mark.skill("custom-exceptions")
@pytest.mark.requirement("R2", "R10")
def test_body_must_be_a_json_object(client, json_error):
    """A JSON body that is not an object answers 400 "request body must be a JSON object"."""
    for body in ("[1, 2]", '"Ann"', "null", "42"):
        json_error(_post_raw(client, body), 400, OBJECT_ERROR)


@pytest.mark.weight(2)
@pytest.mark.skill("custom-exceptions")
@pytest.mark.requirement("R3", "R10")
def test_recipient_is_required(client, json_error):
    """A missing, blank or non-string recipient answers 400 "recipient is required"."""
    for body in (
        {"weight_kg": 2},
        {"recipient": "", "weight_kg": 2},
        {"recipient": " \t ", "weight_kg": 2},
        {"recipient": 7, "weight_kg": 2},
        {"recipient": None, "weight_kg": 2},
        {"recipient": ["Ann"], "weight_kg": 2},
    ):
        json_error(client.post("/api/parcels", json=body), 400, RECIPIENT_ERROR)


@pytest.mark.weight(1)
@pytest.mark.skill("custom-exceptions")
@pytest.mark.requirement("R3")
def test_one_character_recipient_is_accepted(client):
    """A recipient of a single non-blank character is accepted (201)."""
    resp = client.post("/api/parcels", json={"recipient": "A", "weight_kg": 1})
    assert resp.status_code == 201, f"recipient 'A' answered {resp.status}, expected 201"


@pytest.mark.weight(1)
@pytest.mark.skill("custom-exceptions")
@pytest.mark.requirement("R2", "R3", "R4")
def test_the_first_broken_rule_gives_the_message(client, json_error):
    """A body that breaks several rules gets the message of the first rule, in order."""
    json_error(_post_raw(client, '[{"recipient": ""}]'), 400, OBJECT_ERROR)
    json_error(client.post("/api/parcels", json={"weight_kg": 0}), 400, RECIPIENT_ERROR)
    both = client.post("/api/parcels", json={"recipient": " ", "weight_kg": "x"})
    json_error(both, 400, RECIPIENT_ERROR)


@pytest.mark.weight(2)
@pytest.mark.skill("custom-exceptions")
@pytest.mark.requirement("R4", "R10")
def test_weight_out_of_range_is_refused(client, json_error):
    """A missing weight, or one not in (0, 30] (0, -1, 30.01, 1000), answers 400."""
    for weight in (None, 0, 0.0, -1, 30.01, 31, 1000):
        body = {"recipient": "Ann"} if weight is None else {"recipient": "Ann", "weight_kg": weight}
        json_error(client.post("/api/parcels", json=body), 400, WEIGHT_ERROR)


@pytest.mark.weight(1)
@pytest.mark.skill("custom-exceptions")
@pytest.mark.requirement("R4")
def test_weight_limits_are_accepted(client):
    """The limits themselves are accepted: 30 and 0.01 (and 30.0) answer 201."""
    for weight in (30, 30.0, 0.01):
        resp = client.post("/api/parcels", json={"recipient": "Ann", "weight_kg": weight})
        assert resp.status_code == 201, f"weight_kg={weight!r} answered {resp.status}, expected 201"
        assert resp.get_json().get("weight_kg") == weight, f"weight_kg={weight!r} was not kept"


@pytest.mark.weight(1)
@pytest.mark.skill("custom-exceptions")
@pytest.mark.requirement("R4", "R10")
@pytest.mark.hint("Check the type of each JSON field, not only that it is present.")
def test_weight_must_be_a_json_number(client, json_error):
    """A weight sent as a string, a boolean or null answers 400 with the weight message."""
    for weight in ("2", "heavy", True, False, None, [2]):
        resp = client.post("/api/parcels", json={"recipient": "Ann", "weight_kg": weight})
        json_error(resp, 400, WEIGHT_ERROR)


# -- R6, R7, R8, R9: the app's other exceptions ----------------------------------------------


@pytest.mark.visible
@pytest.mark.weight(2)
@pytest.mark.skill("json-errors")
@pytest.mark.requirement("R6", "R10")
def test_unknown_parcel_is_a_json_404(client, json_error):
    """GET /api/parcels/<unknown> answers 404 {"error": "parcel not found", "status": 404}."""
    resp = client.get(f"/api/parcels/NOPE{_uid()}")
    json_error(resp, 404, "parcel not found")
    assert resp.get_json() == {"error": "parcel not found", "status": 404}


@pytest.mark.weight(1)
@pytest.mark.skill("custom-exceptions")
@pytest.mark.requirement("R6", "R10")
def test_delivering_an_unknown_parcel_is_a_json_404(client, json_error):
    """POST /api/parcels/<unknown>/deliver answers 404 "parcel not found"."""
    json_error(client.post(f"/api/parcels/NOPE{_uid()}/deliver"), 404, "parcel not found")


@pytest.mark.weight(2)
@pytest.mark.skill("custom-exceptions")
@pytest.mark.requirement("R7", "R10")
def test_unknown_carrier_is_a_json_404(client, json_error):
    """GET /api/carriers/<unknown>/status answers 404 "unknown carrier"."""
    json_error(client.get(f"/api/carriers/c{_uid()}/status"), 404, "unknown carrier")


@pytest.mark.weight(2)
@pytest.mark.skill("custom-exceptions")
@pytest.mark.requirement("R8", "R10")
def test_delivering_twice_is_a_409(client, parcel, json_error):
    """Delivering a parcel works once; the second time answers 409 "parcel already delivered"."""
    first = client.post(f"/api/parcels/{parcel['code']}/deliver")
    assert first.status_code == 200, f"step 1: the first delivery answered {first.status}"
    second = client.post(f"/api/parcels/{parcel['code']}/deliver")
    json_error(second, 409, "parcel already delivered")


@pytest.mark.weight(2)
@pytest.mark.skill("custom-exceptions")
@pytest.mark.requirement("R9", "R10")
def test_unavailable_carrier_is_a_503(client, json_error):
    """GET /api/carriers/slowpost/status answers 503 with the carrier's message."""
    resp = client.get("/api/carriers/slowpost/status")
    json_error(resp, 503, "slowpost is not answering")


@pytest.mark.weight(2)
@pytest.mark.skill("custom-exceptions")
@pytest.mark.requirement("R9")
@pytest.mark.hint("A 503 can tell the client when to try again.")
def test_unavailable_carrier_says_when_to_retry(client):
    """The API's 503 for slowpost carries Retry-After: 120, from the exception."""
    resp = client.get("/api/carriers/slowpost/status")
    assert resp.status_code == 503, f"got {resp.status}"
    assert resp.headers.get("Retry-After") == "120", (
        f"Retry-After is {resp.headers.get('Retry-After')!r}, expected '120'"
    )


# -- R10: what is under /api -----------------------------------------------------------------


@pytest.mark.weight(1)
@pytest.mark.skill("json-errors")
@pytest.mark.requirement("R10", "R12")
@pytest.mark.hint("A path that only begins with the API prefix's letters is not under it.")
def test_api_prefix_is_a_whole_path_segment(client, json_error):
    """/api and /api/... get JSON errors; /apiary... (not under /api) gets the HTML page."""
    json_error(client.get("/api"), 404)
    resp = client.get(f"/apiary{_uid()}")
    assert resp.status_code == 404, f"GET /apiary... answered {resp.status}, expected 404"
    assert resp.mimetype == "text/html", "a path that only starts with 'api' is not the API"


# -- R16, R20: a crash under /api ------------------------------------------------------------


@pytest.mark.weight(2)
@pytest.mark.skill("json-errors")
@pytest.mark.requirement("R16", "R10")
@pytest.mark.hint("A crash under the API must still answer the documented JSON error.")
def test_crash_under_api_is_a_clean_json_500(client, json_error):
    """A crash under /api answers exactly {"error": "internal server error", "status": 500}."""
    resp = client.get("/api/carriers/acme/status")
    json_error(resp, 500, "internal server error")
    assert resp.get_json() == {"error": "internal server error", "status": 500}


@pytest.mark.weight(2)  # Flask's default 500 leaks nothing; a leak costs the manifest's cap
@pytest.mark.skill("no-leaks")
@pytest.mark.requirement("R20")
def test_crash_under_api_leaks_nothing(client, find_leaks):
    """A crash under /api answers 500 with no traceback, exception, path or connection string."""
    resp = client.get("/api/carriers/acme/status")
    assert resp.status_code == 500, f"got {resp.status}"
    everything = resp.text + "\n".join(f"{k}: {v}" for k, v in resp.headers.items())
    assert not find_leaks(everything), f"the response leaks internals: {find_leaks(everything)}"
