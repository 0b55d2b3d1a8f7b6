"""Hidden suite for request-lifecycle: the shipping API's views, their limits and their errors."""

from __future__ import annotations

import random
import string
import uuid

import pytest
from conftest import assert_json_error, reference

pytestmark = [pytest.mark.skill("before-request")]


def _quote(client, key, weight_kg, zone):
    query = {}
    if weight_kg is not None:
        query["weight_kg"] = weight_kg
    if zone is not None:
        query["zone"] = zone
    return client.get("/api/quotes", headers=key, query_string=query)


# -- quotes (R15) --------------------------------------------------------------------------------


@pytest.mark.weight(1)
@pytest.mark.requirement("R15")
def test_quotes_are_priced_per_zone_and_started_kilogram(client, key):
    """Quotes: 450/900/1800 cents by zone plus 120 per started kilogram (0.5, 1, 1.01 kg)."""
    for weight, zone, price in (
        ("0.5", "domestic", 570),
        ("1", "eu", 1020),
        ("1.01", "world", 2040),
    ):
        resp = _quote(client, key, weight, zone)
        assert resp.status_code == 200, f"a quote of {weight} kg {zone} answered {resp.status}"
        assert resp.mimetype == "application/json", f"expected JSON, got {resp.content_type!r}"
        assert resp.get_json() == {"weight_kg": float(weight), "zone": zone, "price_cents": price}


@pytest.mark.weight(1)
@pytest.mark.requirement("R15")
def test_quote_weight_limits(client, key):
    """weight_kg: 30 and 0.01 are accepted; 30.01, 0 and -1 are a JSON 400."""
    for weight, price in (("30", 450 + 120 * 30), ("0.01", 570)):
        resp = _quote(client, key, weight, "domestic")
        assert resp.status_code == 200, f"weight_kg={weight} answered {resp.status}, expected 200"
        assert resp.get_json() == {
            "weight_kg": float(weight),
            "zone": "domestic",
            "price_cents": price,
        }
    for weight in ("30.01", "0", "-1"):
        assert_json_error(_quote(client, key, weight, "domestic"), 400, f"weight_kg={weight}")


@pytest.mark.weight(1)
@pytest.mark.requirement("R15")
def test_quote_weight_must_be_a_number(client, key):
    """weight_kg missing, empty, not a number, nan or inf is a JSON 400."""
    for weight in (None, "", "abc", "1kg", "nan", "inf"):
        label = "no weight_kg" if weight is None else f"weight_kg={weight!r}"
        assert_json_error(_quote(client, key, weight, "eu"), 400, label)


@pytest.mark.weight(1)
@pytest.mark.requirement("R15")
def test_quote_zone_must_be_known(client, key):
    """zone must be domestic, eu or world exactly: EU, mars, empty or missing is a JSON 400."""
    for zone in ("EU", "mars", "", None):
        label = "no zone" if zone is None else f"zone={zone!r}"
        assert_json_error(_quote(client, key, "1", zone), 400, label)


# -- shipments (R16 to R18) ----------------------------------------------------------------------


def _book(client, key, **fields):
    return client.post("/api/shipments", json=fields, headers=key)


def _assert_not_booked(client, key, ref: str, why: str) -> None:
    after = client.get(f"/api/shipments/{ref}", headers=key)
    assert after.status_code == 404, f"{why} was refused, but GET finds it ({after.status})"


@pytest.mark.weight(1)
@pytest.mark.requirement("R16", "R18")
def test_a_booking_is_201_and_can_be_read_back(client, key):
    """POST /api/shipments is 201 with the shipment and its price; GET returns the same."""
    ref = reference()
    created = _book(client, key, reference=ref, weight_kg=0.5, zone="domestic")
    expected = {"reference": ref, "weight_kg": 0.5, "zone": "domestic", "price_cents": 570}
    assert created.status_code == 201, f"step 1: POST /api/shipments answered {created.status}"
    assert created.get_json() == expected, f"step 1: the booking answered {created.get_json()!r}"
    got = client.get(f"/api/shipments/{ref}", headers=key)
    assert got.status_code == 200, f"step 2: GET of the booked shipment answered {got.status}"
    assert got.get_json() == expected, f"step 2: GET answered {got.get_json()!r}"


@pytest.mark.weight(1)
@pytest.mark.requirement("R16")
def test_reference_length_limits(client, key):
    """reference: 1 and 64 characters are booked; empty and 65 characters are a JSON 400."""
    one = random.choice(string.ascii_letters + string.digits)
    longest = reference() + "-" + "L" * (64 - 21)
    assert len(longest) == 64
    for ref in (one, longest):
        resp = _book(client, key, reference=ref, weight_kg=1, zone="eu")
        assert resp.status_code == 201, f"a {len(ref)}-character reference answered {resp.status}"
    too_long = reference() + "-" + "L" * (65 - 21)
    for ref in ("", too_long):
        resp = _book(client, key, reference=ref, weight_kg=1, zone="eu")
        assert_json_error(resp, 400, f"a {len(ref)}-character reference")
    _assert_not_booked(client, key, too_long, "a 65-character reference")


@pytest.mark.weight(1)
@pytest.mark.requirement("R16")
def test_reference_characters(client, key):
    """reference: letters, digits and hyphens only, as a string; anything else is a JSON 400."""
    ok = f"Ab-09-{uuid.uuid4().hex[:8].upper()}"
    resp = _book(client, key, reference=ok, weight_kg=1, zone="eu")
    assert resp.status_code == 201, f"the reference {ok!r} answered {resp.status}, expected 201"
    base = reference()
    for bad in (f"{base}_x", f"{base}.x", f"{base} x", f"{base}é"):
        resp = _book(client, key, reference=bad, weight_kg=1, zone="eu")
        assert_json_error(resp, 400, f"reference {bad!r}")
    for bad in (12345, None, ["ref-1"]):
        resp = _book(client, key, reference=bad, weight_kg=1, zone="eu")
        assert_json_error(resp, 400, f"reference {bad!r}")
    _assert_not_booked(client, key, f"{base}_x", "a reference with an underscore")


@pytest.mark.weight(1)
@pytest.mark.requirement("R16")
def test_booking_weight_and_zone_limits(client, key):
    """A booking of 30 kg is 201; 30.01, 0, true, "abc", null or an unknown zone is a 400."""
    ref = reference()
    resp = _book(client, key, reference=ref, weight_kg=30, zone="world")
    assert resp.status_code == 201, f"a 30 kg booking answered {resp.status}, expected 201"
    assert resp.get_json().get("price_cents") == 1800 + 120 * 30
    for weight, zone in ((30.01, "eu"), (0, "eu"), (True, "eu"), ("abc", "eu"), (None, "eu")):
        refused = reference()
        resp = _book(client, key, reference=refused, weight_kg=weight, zone=zone)
        assert_json_error(resp, 400, f"weight_kg={weight!r}")
    for zone in ("EU", None):
        refused = reference()
        resp = _book(client, key, reference=refused, weight_kg=1, zone=zone)
        assert_json_error(resp, 400, f"zone={zone!r}")
        _assert_not_booked(client, key, refused, f"a booking with zone={zone!r}")


@pytest.mark.weight(1)
@pytest.mark.requirement("R16")
def test_booking_body_must_be_a_json_object(client, key):
    """A body that is not a JSON object (a list, a string, not JSON, none) is a JSON 400."""
    json_type = {**key, "Content-Type": "application/json"}
    for label, data, headers in (
        ("a JSON list", '["ref-1", 1, "eu"]', json_type),
        ("a JSON string", '"ref-1"', json_type),
        ("malformed JSON", '{"reference": ', json_type),
        ("form data", "reference=ref-1&weight_kg=1&zone=eu", key),
        ("no body", None, key),
    ):
        resp = client.post("/api/shipments", data=data, headers=headers)
        assert_json_error(resp, 400, f"POST /api/shipments with {label}")


@pytest.mark.weight(2)
@pytest.mark.skill("after-request")
@pytest.mark.requirement("R17")
def test_a_second_booking_is_409_and_keeps_the_first(client, key):
    """Booking a reference twice is a JSON 409; the first shipment stays as it was."""
    ref = reference()
    first = _book(client, key, reference=ref, weight_kg=0.5, zone="domestic")
    assert first.status_code == 201, f"step 1: the first booking answered {first.status}"
    again = _book(client, key, reference=ref, weight_kg=5, zone="world")
    assert_json_error(again, 409, "step 2: the second booking")
    got = client.get(f"/api/shipments/{ref}", headers=key)
    assert got.status_code == 200, f"step 3: GET of the shipment answered {got.status}"
    assert got.get_json() == {
        "reference": ref,
        "weight_kg": 0.5,
        "zone": "domestic",
        "price_cents": 570,
    }, "step 3: the second booking changed the first shipment"


@pytest.mark.weight(1)
@pytest.mark.requirement("R18")
def test_unknown_shipment_is_404(client, key):
    """GET /api/shipments/<reference> for a reference never booked is a JSON 404."""
    assert_json_error(
        client.get(f"/api/shipments/{reference()}", headers=key), 404, "GET of an unknown shipment"
    )
