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
    assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], (
        'error bodies must be {"error": "<message>"}'
    )


@pytest.mark.visible
@pytest.mark.weight(2)
@pytest.mark.skill("lazy-connection")
@pytest.mark.requirement("R4")
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
@pytest.mark.requirement("R17", "R18")
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
@pytest.mark.requirement("R5")
def test_stats_opens_no_connection(client):
    """GET /stats reports the counters without opening a connection itself."""
    first = _counts(client)
    second = _counts(client)
    third = _counts(client)
    assert first == second == third, (
        f"reading /stats changed the counters: {first} -> {second} -> {third}"
    )


@pytest.mark.weight(1)
@pytest.mark.skill("teardown")
@pytest.mark.requirement("R5", "R18")
def test_stats_balance_when_no_request_is_in_progress(client):
    """Between requests, /stats shows as many connections closed as opened."""
    resp = client.post("/notes", json={"title": "balance"}, headers={"X-User": _user()})
    assert resp.status_code == 201, f"step 1: POST /notes answered {resp.status}"
    opened, closed = _counts(client)
    assert opened >= 1, f"step 2: /stats says {opened} connections were ever opened"
    assert opened == closed, f"step 2: no request is running, yet {opened} opened, {closed} closed"


@pytest.mark.weight(2)
@pytest.mark.skill("lazy-connection")
@pytest.mark.requirement("R6", "R16")
@pytest.mark.hint("Check a request's input before doing any expensive work for it.")
def test_request_without_user_is_rejected_before_any_connection(client):
    """A /notes request without a usable X-User header is 401 and opens no connection."""
    for headers in ({}, {"X-User": ""}, {"X-User": "   "}):
        resp, opened, closed = _measure(client, lambda h=headers: client.get("/notes", headers=h))
        _assert_json_error(resp, 401)
        assert opened == 0, f"a request with headers {headers} was rejected but opened {opened}"
        assert closed == 0


@pytest.mark.weight(1)
@pytest.mark.skill("request-data")
@pytest.mark.requirement("R6", "R16")
def test_x_user_of_65_characters_is_rejected_before_any_connection(client):
    """An X-User of 65 characters (spaces stripped) is 401 and opens no connection."""
    for user in ("u" * 65, f"  {'v' * 65}  "):
        resp, opened, closed = _measure(
            client, lambda u=user: client.get("/notes", headers={"X-User": u})
        )
        _assert_json_error(resp, 401)
        assert opened == 0 and closed == 0, f"the rejected request opened {opened} connection(s)"


@pytest.mark.weight(1)
@pytest.mark.skill("request-data")
@pytest.mark.requirement("R6")
def test_x_user_of_64_characters_is_accepted(client):
    """An X-User of 64 characters, with or without surrounding spaces, is accepted."""
    user = (_user() * 6)[:64]
    for header in (user, f"  {user}  "):
        resp = client.get("/notes", headers={"X-User": header})
        assert resp.status_code == 200, f"X-User of 64 characters answered {resp.status}"
        assert resp.get_json() == {"notes": []}, f"got {resp.get_json()!r}"


@pytest.mark.weight(2)
@pytest.mark.skill("lazy-connection")
@pytest.mark.requirement("R16", "R9")
def test_invalid_note_is_rejected_before_any_connection(client):
    """POST /notes with an invalid payload (form post included) is 400 and opens no connection."""
    user = _user()
    for kwargs in (
        {"json": {"title": ""}},
        {"json": {"title": "t" * 201}},
        {"json": {"title": "ok", "body": 5}},
        {"json": ["not", "an", "object"]},
        {"data": {"title": "a form post"}},
    ):
        resp, opened, closed = _measure(
            client, lambda k=kwargs: client.post("/notes", headers={"X-User": user}, **k)
        )
        # The exact status is R9's business (test_notes.py); here: refused, and no connection.
        assert 400 <= resp.status_code < 500, f"an invalid payload {kwargs} answered {resp.status}"
        assert opened == 0, (
            f"an invalid payload {kwargs} opened {opened} connection(s): "
            "validate before touching the database"
        )
        assert closed == 0


@pytest.mark.weight(1)
@pytest.mark.skill("lazy-connection")
@pytest.mark.requirement("R16", "R13")
def test_invalid_limit_is_rejected_before_any_connection(client):
    """GET /notes with an invalid limit is 400 and opens no connection."""
    user = _user()
    for limit in ("0", "101", "abc"):
        resp, opened, closed = _measure(
            client,
            lambda v=limit: client.get(
                "/notes", headers={"X-User": user}, query_string={"limit": v}
            ),
        )
        _assert_json_error(resp, 400)
        assert opened == 0 and closed == 0, f"limit={limit!r} was rejected but opened {opened}"


@pytest.mark.weight(3)
@pytest.mark.skill("app-context")
@pytest.mark.requirement("R17", "R18")
@pytest.mark.hint("Within one request, reuse what was already opened for it.")
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
@pytest.mark.requirement("R17", "R18")
def test_listing_shares_one_connection(client):
    """GET /notes with a search and a limit opens exactly one connection, then closes it."""
    user = _user()
    created = client.post("/notes", json={"title": "Alpha"}, headers={"X-User": user})
    assert created.status_code == 201, f"step 1: POST /notes answered {created.status}"
    resp, opened, closed = _measure(
        client,
        lambda: client.get(
            "/notes", headers={"X-User": user}, query_string={"q": "al", "limit": 5}
        ),
    )
    assert resp.status_code == 200, f"step 2: GET /notes answered {resp.status}"
    assert opened == 1, f"step 2: GET /notes opened {opened} connections, expected exactly 1"
    assert closed == 1, f"step 2: GET /notes closed {closed} connections, expected 1"


@pytest.mark.weight(1)
@pytest.mark.skill("app-context")
@pytest.mark.requirement("R17", "R18")
def test_reading_a_note_opens_and_closes_one_connection(client):
    """GET /notes/<id> of an existing note opens exactly one connection, then closes it."""
    user = _user()
    created = client.post("/notes", json={"title": "Read me"}, headers={"X-User": user})
    assert created.status_code == 201, f"step 1: POST /notes answered {created.status}"
    note_id = created.get_json()["id"]
    resp, opened, closed = _measure(
        client, lambda: client.get(f"/notes/{note_id}", headers={"X-User": user})
    )
    assert resp.status_code == 200, f"step 2: GET /notes/<id> answered {resp.status}"
    assert (opened, closed) == (1, 1), f"step 2: opened {opened} and closed {closed}, expected 1, 1"


@pytest.mark.weight(3)
@pytest.mark.skill("teardown")
@pytest.mark.requirement("R18", "R15")
@pytest.mark.hint("What a request opens must be released even when the request ends in an error.")
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
@pytest.mark.requirement("R18", "R11")
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


@pytest.mark.weight(1)
@pytest.mark.skill("teardown")
@pytest.mark.requirement("R18", "R9")
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
