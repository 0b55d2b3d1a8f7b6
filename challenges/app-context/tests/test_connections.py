"""Hidden suite for app-context: the per-request connection in g, opened lazily, torn down."""

from __future__ import annotations

import uuid

import pytest


def _user() -> str:
    return f"user-{uuid.uuid4().hex[:12]}"


def _counts(client) -> tuple[int, int]:
    resp = client.get("/stats")
    assert resp.status_code == 200, f"GET /stats answered {resp.status}"
    body = resp.get_json()
    assert isinstance(body, dict), "GET /stats must answer a JSON object"
    assert isinstance(body.get("opened"), int) and isinstance(body.get("closed"), int), (
        'GET /stats must answer {"opened": <int>, "closed": <int>}'
    )
    return body["opened"], body["closed"]


def _measure(client, send):
    """Return (response, connections opened, connections closed) for one request."""
    opened_before, closed_before = _counts(client)
    resp = send()
    opened_after, closed_after = _counts(client)
    return resp, opened_after - opened_before, closed_after - closed_before


def _assert_json_error(resp, status: int) -> None:
    assert resp.status_code == status, f"expected {status}, got {resp.status}"
    assert resp.mimetype == "application/json", f"expected JSON, got {resp.content_type!r}"
    body = resp.get_json()
    assert isinstance(body, dict) and isinstance(body.get("error"), str), (
        'error bodies must be {"error": "<message>"}'
    )


@pytest.mark.visible
@pytest.mark.weight(2)
@pytest.mark.skill("lazy-connection")
def test_health_opens_no_connection(client):
    """GET /health answers {"status": "ok"} without opening a database connection."""
    resp, opened, closed = _measure(client, lambda: client.get("/health"))
    assert resp.status_code == 200, f"GET /health answered {resp.status}"
    assert resp.get_json() == {"status": "ok"}
    assert opened == 0, f"GET /health opened {opened} connection(s); it never needs the database"
    assert closed == 0, f"GET /health closed {closed} connection(s) it did not open"


@pytest.mark.visible
@pytest.mark.weight(2)
@pytest.mark.skill("teardown")
def test_create_note_opens_and_closes_one_connection(client):
    """POST /notes answers 201, opening exactly one connection and closing it."""
    title = f"Groceries {uuid.uuid4().hex[:6]}"
    resp, opened, closed = _measure(
        client, lambda: client.post("/notes", json={"title": title}, headers={"X-User": _user()})
    )
    assert resp.status_code == 201, f"POST /notes answered {resp.status}, expected 201"
    assert opened == 1, f"POST /notes opened {opened} connections, expected exactly 1"
    assert closed == 1, f"POST /notes closed {closed} connections: the one it opened must be closed"


@pytest.mark.weight(1)
@pytest.mark.skill("lazy-connection")
def test_stats_opens_no_connection(client):
    """GET /stats reports the counters without opening a connection itself."""
    first = _counts(client)
    second = _counts(client)
    third = _counts(client)
    assert first == second == third, (
        f"reading /stats changed the counters: {first} -> {second} -> {third}"
    )


@pytest.mark.weight(2)
@pytest.mark.skill("lazy-connection")
def test_request_without_user_is_rejected_before_any_connection(client):
    """A /notes request without a usable X-User header is 401 and opens no connection."""
    for headers in ({}, {"X-User": "   "}):
        resp, opened, closed = _measure(client, lambda h=headers: client.get("/notes", headers=h))
        _assert_json_error(resp, 401)
        assert opened == 0, f"a request with headers {headers} was rejected but opened {opened}"
        assert closed == 0


@pytest.mark.weight(1)
@pytest.mark.skill("lazy-connection")
def test_invalid_note_is_rejected_before_any_connection(client):
    """POST /notes with an empty title is 400 and opens no connection."""
    resp, opened, closed = _measure(
        client, lambda: client.post("/notes", json={"title": ""}, headers={"X-User": _user()})
    )
    _assert_json_error(resp, 400)
    assert opened == 0, (
        f"an invalid payload opened {opened} connection(s): validate before touching the database"
    )
    assert closed == 0


@pytest.mark.weight(3)
@pytest.mark.skill("app-context")
def test_import_shares_one_connection_for_the_whole_request(client):
    """POST /notes/import of three notes opens one connection in all, then closes it."""
    notes = [{"title": f"Import {i} {uuid.uuid4().hex[:6]}"} for i in range(3)]
    resp, opened, closed = _measure(
        client, lambda: client.post("/notes/import", json=notes, headers={"X-User": _user()})
    )
    assert resp.status_code == 201, f"POST /notes/import answered {resp.status}, expected 201"
    assert opened == 1, (
        f"importing 3 notes opened {opened} connections: get_db() must reuse the one in g"
    )
    assert closed == 1, f"importing 3 notes closed {closed} connections, expected 1"


@pytest.mark.weight(2)
@pytest.mark.skill("app-context")
def test_listing_shares_one_connection(client):
    """GET /notes with a search and a limit opens exactly one connection, then closes it."""
    user = _user()
    client.post("/notes", json={"title": "Alpha"}, headers={"X-User": user})
    resp, opened, closed = _measure(
        client,
        lambda: client.get(
            "/notes", headers={"X-User": user}, query_string={"q": "al", "limit": 5}
        ),
    )
    assert resp.status_code == 200, f"GET /notes answered {resp.status}"
    assert opened == 1, f"GET /notes opened {opened} connections, expected exactly 1"
    assert closed == 1, f"GET /notes closed {closed} connections, expected 1"


@pytest.mark.weight(3)
@pytest.mark.skill("teardown")
def test_unknown_note_404_still_closes_its_connection(client):
    """GET /notes/<id> for a missing note is a JSON 404, and its connection is closed."""
    resp, opened, closed = _measure(
        client, lambda: client.get("/notes/987654321", headers={"X-User": _user()})
    )
    _assert_json_error(resp, 404)
    assert opened == 1, f"looking a note up opened {opened} connections, expected 1"
    assert closed == 1, (
        "the connection opened before abort(404) was not closed: close it in teardown, "
        "which runs even when the view raises"
    )


@pytest.mark.weight(3)
@pytest.mark.skill("teardown")
def test_failed_import_still_closes_its_connection(client):
    """A POST /notes/import rejected at its third note is a 400 and leaks no connection."""
    notes = [{"title": "first"}, {"title": "second"}, {"title": 42}]
    resp, opened, closed = _measure(
        client, lambda: client.post("/notes/import", json=notes, headers={"X-User": _user()})
    )
    _assert_json_error(resp, 400)
    assert resp.get_json().get("index") == 2, 'the 400 body must name the bad note: "index": 2'
    assert opened <= 1, f"the import opened {opened} connections, expected at most 1"
    assert closed == opened, f"the failed import opened {opened} connection(s) and closed {closed}"


@pytest.mark.weight(2)
@pytest.mark.skill("teardown")
def test_failed_import_stores_nothing(client):
    """A rejected POST /notes/import stores none of its notes, not even the valid ones."""
    user = _user()
    notes = [{"title": "kept?"}, {"title": "kept too?"}, {"title": "   "}]
    resp = client.post("/notes/import", json=notes, headers={"X-User": user})
    assert resp.status_code == 400, f"an import with a blank title answered {resp.status}"
    listed = client.get("/notes", headers={"X-User": user}, query_string={"limit": 10})
    assert listed.status_code == 200, f"GET /notes answered {listed.status}"
    assert listed.get_json() == {"notes": []}, (
        "a failed import must be all or nothing, but some notes were stored"
    )


@pytest.mark.weight(1)
@pytest.mark.skill("teardown")
def test_malformed_json_leaks_no_connection(client):
    """POST /notes with a body that is not JSON is a JSON 400 and leaks no connection."""
    resp, opened, closed = _measure(
        client,
        lambda: client.post(
            "/notes",
            data="{not json",
            headers={"X-User": _user(), "Content-Type": "application/json"},
        ),
    )
    _assert_json_error(resp, 400)
    assert closed == opened, f"the request opened {opened} connection(s) and closed {closed}"
