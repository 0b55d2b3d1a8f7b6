"""Hidden suite for error-handling: Flask's own errors keep their status, headers and format.

A catch-all handler (``@app.errorhandler(Exception)``) also catches werkzeug's HTTPExceptions;
answering them all with a 500 tells clients their own mistake is the server's fault. Each of
Flask's errors is checked here on its own: its status (never a 500), its body, its headers.
"""

from __future__ import annotations

import uuid

import pytest

BAD_JSON = '{"recipient": "Ann", '


def _uid() -> str:
    return uuid.uuid4().hex[:10]


# (what the client did wrong, method, path, request keyword arguments, the status it must get)
CLIENT_MISTAKES = [
    ("unknown-api-url", "GET", "/api/no-such-thing-{uid}", {}, 404),
    ("unknown-page", "GET", "/no-such-page-{uid}", {}, 404),
    ("wrong-method-api", "DELETE", "/api/parcels", {}, 405),
    ("wrong-method-page", "POST", "/", {"data": {"code": "x"}}, 405),
    (
        "malformed-json",
        "POST",
        "/api/parcels",
        {"data": BAD_JSON, "headers": {"Content-Type": "application/json"}},
        400,
    ),
    ("form-body", "POST", "/api/parcels", {"data": {"recipient": "Ann", "weight_kg": "2"}}, 415),
]


# Weight 1 each: doing nothing keeps Flask's 4xx; what breaking it costs is the manifest's cap.
@pytest.mark.weight(1)
@pytest.mark.skill("status-codes")
@pytest.mark.requirement("R11")
@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [pytest.param(*case[1:], id=case[0]) for case in CLIENT_MISTAKES],
)
def test_a_client_mistake_is_never_a_500(client, method, path, kwargs, status):
    """A client's mistake (unknown URL, wrong method, bad or no JSON) keeps its 4xx, never 500."""
    resp = client.open(path.format(uid=_uid()), method=method, **kwargs)
    assert resp.status_code < 500, (
        f"{method} {path} is the client's mistake ({status}) but answered {resp.status}: "
        "an error handler turned Flask's own HTTP error into a server error"
    )
    assert resp.status_code == status, f"{method} {path} answered {resp.status}, expected {status}"


@pytest.mark.weight(2)
@pytest.mark.skill("json-errors")
@pytest.mark.requirement("R12", "R10")
def test_unknown_api_url_is_a_json_404(client, json_error):
    """An unknown URL under /api/ answers a JSON 404, not Flask's HTML page."""
    json_error(client.get(f"/api/no-such-thing-{_uid()}"), 404)
    json_error(client.get(f"/api/parcels/{_uid()}/no-such-action"), 404)


@pytest.mark.weight(2)
@pytest.mark.skill("json-errors")
@pytest.mark.requirement("R13", "R10")
def test_wrong_method_under_api_is_a_json_405(client, json_error):
    """A method the route does not allow under /api answers 405 in JSON."""
    json_error(client.put("/api/parcels", json={}), 405)
    json_error(client.get(f"/api/parcels/ST{_uid()}/deliver"), 405)


@pytest.mark.weight(2)
@pytest.mark.skill("json-errors")
@pytest.mark.requirement("R13")
def test_json_405_keeps_the_allow_header(client, allow):
    """The JSON 405 still says which methods the route allows (Allow: OPTIONS, POST)."""
    resp = client.delete("/api/parcels")
    assert resp.status_code == 405, f"got {resp.status}"
    assert resp.mimetype == "application/json", f"got Content-Type {resp.content_type!r}"
    allowed = allow(resp)
    assert {"POST"} <= allowed <= {"POST", "OPTIONS"}, (
        f"Allow is {resp.headers.get('Allow')!r}; expected Allow: OPTIONS, POST"
    )


@pytest.mark.weight(2)
@pytest.mark.skill("error-pages")
@pytest.mark.requirement("R13", "R17")
def test_wrong_method_on_a_page_is_an_html_405(client, friendly_page, allow):
    """POST / answers 405 as an HTML page with a link home and Allow naming GET."""
    resp = client.post("/", data={"code": _uid()})
    friendly_page(resp, 405)
    allowed = allow(resp)
    assert {"GET"} <= allowed <= {"GET", "HEAD", "OPTIONS"}, (
        f"Allow is {resp.headers.get('Allow')!r}; expected Allow: GET, HEAD, OPTIONS"
    )


@pytest.mark.weight(2)
@pytest.mark.skill("json-errors")
@pytest.mark.requirement("R14", "R10")
def test_malformed_json_is_a_json_400(client, json_error):
    """A body that is not valid JSON (or is empty) answers 400 in JSON."""
    for body in (BAD_JSON, "{'recipient': 'Ann'}", ""):
        resp = client.post("/api/parcels", data=body, headers={"Content-Type": "application/json"})
        json_error(resp, 400)


@pytest.mark.weight(2)
@pytest.mark.skill("json-errors")
@pytest.mark.requirement("R15", "R10")
def test_body_without_json_content_type_is_a_json_415(client, json_error):
    """A body sent without Content-Type: application/json answers 415 in JSON."""
    form = client.post("/api/parcels", data={"recipient": "Ann", "weight_kg": "2"})
    json_error(form, 415)
    text = client.post(
        "/api/parcels",
        data='{"recipient": "Ann", "weight_kg": 2}',
        headers={"Content-Type": "text/plain"},
    )
    json_error(text, 415)
