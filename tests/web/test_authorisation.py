"""Every route against every kind of visitor: who gets in, who is sent away, and how."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from .conftest import AuthActions, World, csrf_token

ANON, INTERVIEWER, ADMIN = "anonymous", "interviewer", "admin"

# (method, path, {role: expected status}); paths name objects of the world fixture.
STAFF_ROUTES = [
    ("GET", "/", {ANON: 302, INTERVIEWER: 302, ADMIN: 302}),
    ("GET", "/login", {ANON: 200, INTERVIEWER: 302, ADMIN: 302}),
    ("GET", "/account", {ANON: 302, INTERVIEWER: 200, ADMIN: 200}),
    ("POST", "/account", {ANON: 302, INTERVIEWER: 400, ADMIN: 400}),
    ("GET", "/dashboard", {ANON: 302, INTERVIEWER: 200, ADMIN: 200}),
    ("GET", "/assessments/{assessment}", {ANON: 302, INTERVIEWER: 200, ADMIN: 200}),
    ("GET", "/candidates/{invite_a}", {ANON: 302, INTERVIEWER: 200, ADMIN: 200}),
    ("GET", "/runs/{run_a}", {ANON: 302, INTERVIEWER: 200, ADMIN: 200}),
    ("GET", "/runs/{run_a}/report", {ANON: 302, INTERVIEWER: 200, ADMIN: 200}),
    ("GET", "/runs/{run_a}/status", {ANON: 401, INTERVIEWER: 200, ADMIN: 200}),
    ("GET", "/runs/{run_a}/files/result.json", {ANON: 302, INTERVIEWER: 200, ADMIN: 200}),
    # The submitted code is for staff; a candidate holds no staff session, so is sent away.
    ("GET", "/submissions/{submission_a}/download", {ANON: 302, INTERVIEWER: 200, ADMIN: 200}),
    # The world's runs have no earlier grading to compare with.
    ("GET", "/runs/{run_a}/changes", {ANON: 302, INTERVIEWER: 404, ADMIN: 404}),
    (
        "GET",
        "/compare?candidate={invite_a}&candidate={invite_b}",
        {ANON: 302, INTERVIEWER: 200, ADMIN: 200},
    ),
    ("POST", "/submissions/{submission_a}/regrade", {ANON: 302, INTERVIEWER: 302, ADMIN: 302}),
    ("GET", "/admin/challenges", {ANON: 302, INTERVIEWER: 403, ADMIN: 200}),
    ("POST", "/admin/challenges", {ANON: 302, INTERVIEWER: 403, ADMIN: 400}),
    ("GET", "/admin/versions/{version}", {ANON: 302, INTERVIEWER: 403, ADMIN: 200}),
    ("GET", "/admin/versions/{version}/status", {ANON: 401, INTERVIEWER: 403, ADMIN: 200}),
    ("POST", "/admin/versions/{version}/validate", {ANON: 302, INTERVIEWER: 403, ADMIN: 302}),
    ("POST", "/admin/versions/{version}/publish", {ANON: 302, INTERVIEWER: 403, ADMIN: 409}),
    ("GET", "/admin/assessments/new", {ANON: 302, INTERVIEWER: 403, ADMIN: 200}),
    ("POST", "/admin/assessments/new", {ANON: 302, INTERVIEWER: 403, ADMIN: 400}),
    (
        "POST",
        "/admin/assessments/{assessment}/invites",
        {ANON: 302, INTERVIEWER: 403, ADMIN: 400},
    ),
    ("POST", "/admin/invites/{invite_b}/reissue", {ANON: 302, INTERVIEWER: 403, ADMIN: 201}),
    ("POST", "/admin/invites/{invite_b}/revoke", {ANON: 302, INTERVIEWER: 403, ADMIN: 302}),
    ("GET", "/admin/users", {ANON: 302, INTERVIEWER: 403, ADMIN: 200}),
    ("POST", "/admin/users", {ANON: 302, INTERVIEWER: 403, ADMIN: 400}),
]


def _as(role: str, auth: AuthActions) -> None:
    if role == ADMIN:
        assert auth.login().status_code == 302
    elif role == INTERVIEWER:
        assert auth.login_interviewer().status_code == 302


def _request(client: FlaskClient, method: str, path: str):
    if method == "GET":
        response = client.get(path)
    else:
        # A valid token for this session: what is tested is authorisation, not CSRF.
        response = client.post(path, data={"csrf_token": csrf_token(client)})
    response.get_data()
    response.close()
    return response


READS = [r for r in STAFF_ROUTES if r[0] == "GET"]
WRITES = [r for r in STAFF_ROUTES if r[0] != "GET"]


def _ids(routes: list) -> list[str]:
    return [f"{m} {p}" for m, p, _ in routes]


@pytest.mark.parametrize("role", [ANON, INTERVIEWER, ADMIN])
@pytest.mark.parametrize(("method", "path", "expected"), READS, ids=_ids(READS))
def test_staff_page_allows_only_its_roles(
    shared: tuple[Flask, World], role: str, method: str, path: str, expected: dict[str, int]
) -> None:
    app, world = shared
    client = app.test_client()
    _check(client, AuthActions(client), world, role, method, path, expected)


@pytest.mark.parametrize("role", [ANON, INTERVIEWER, ADMIN])
@pytest.mark.parametrize(("method", "path", "expected"), WRITES, ids=_ids(WRITES))
def test_staff_action_allows_only_its_roles(
    request: pytest.FixtureRequest,
    shared: tuple[Flask, World],
    role: str,
    method: str,
    path: str,
    expected: dict[str, int],
) -> None:
    if role == ANON or expected[role] == 403:
        app, world = shared  # refused: nothing can change, so the shared app will do
    else:
        app, world = request.getfixturevalue("app"), request.getfixturevalue("world")
        request.getfixturevalue("interviewer")
    client = app.test_client()
    _check(client, AuthActions(client), world, role, method, path, expected)


def _check(
    client: FlaskClient,
    auth: AuthActions,
    world: World,
    role: str,
    method: str,
    path: str,
    expected: dict[str, int],
) -> None:
    _as(role, auth)
    response = _request(client, method, path.format(**vars(world)))
    assert response.status_code == expected[role], response.get_data(as_text=True)[:500]
    if expected[role] == 302 and role == ANON and path != "/":
        assert response.headers["Location"].startswith("/login")
    if expected[role] == 403:
        assert "Forbidden" in response.get_data(as_text=True)


CANDIDATE_ROUTES = [
    ("GET", "/invite/{token}", 200),
    ("GET", "/invite/{token}/challenges/routing", 200),
    ("GET", "/invite/{token}/challenges/routing/starter.zip", 200),
    ("POST", "/invite/{token}/challenges/routing/submissions", 400),  # no file sent
    ("GET", "/invite/{token}/submissions/{submission}", 200),
    ("GET", "/invite/{token}/submissions/{submission}/status", 200),
    ("GET", "/invite/{token}/submissions/{submission}/feedback", 200),
]
CANDIDATE_IDS = [f"{m} {p}" for m, p, _ in CANDIDATE_ROUTES]


@pytest.mark.parametrize(("method", "path", "owner_status"), CANDIDATE_ROUTES, ids=CANDIDATE_IDS)
def test_candidate_route_opens_with_own_link(
    shared: tuple[Flask, World], method: str, path: str, owner_status: int
) -> None:
    app, world = shared
    client = app.test_client()
    url = path.format(token=world.token_a, submission=world.submission_a)
    assert _request(client, method, url).status_code == owner_status


@pytest.mark.parametrize(("method", "path", "owner_status"), CANDIDATE_ROUTES, ids=CANDIDATE_IDS)
def test_candidate_route_refuses_unknown_link(
    shared: tuple[Flask, World], method: str, path: str, owner_status: int
) -> None:
    app, world = shared
    client = app.test_client()
    url = path.format(token=world.token_a[:-4] + "AAAA", submission=world.submission_a)
    response = _request(client, method, url)
    assert response.status_code == 404
    assert "not valid" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/invite/{token}/submissions/{submission}",
        "/invite/{token}/submissions/{submission}/status",
        "/invite/{token}/submissions/{submission}/feedback",
    ],
)
def test_candidate_cannot_reach_another_candidates_submission(
    shared: tuple[Flask, World], path: str
) -> None:
    app, world = shared
    client = app.test_client()
    # Bob's own, valid link with Alice's submission id: as if it did not exist.
    response = client.get(path.format(token=world.token_b, submission=world.submission_a))
    assert response.status_code == 404
    assert "Alice" not in response.get_data(as_text=True)


@pytest.mark.parametrize("role", [INTERVIEWER, ADMIN])
def test_staff_session_does_not_open_candidate_pages(
    shared: tuple[Flask, World], role: str
) -> None:
    app, world = shared
    client = app.test_client()
    _as(role, AuthActions(client))
    response = client.get(f"/invite/not-a-token/submissions/{world.submission_a}")
    assert response.status_code == 404


def test_candidate_link_does_not_open_staff_pages(shared: tuple[Flask, World]) -> None:
    app, world = shared
    client = app.test_client()
    assert client.get(f"/invite/{world.token_a}").status_code == 200
    for path in ("/dashboard", f"/runs/{world.run_a}", f"/runs/{world.run_a}/report"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize(
    "path",
    [
        "/runs/{submission_a}",  # a submission's id is not a run's
        "/runs/0",
        "/runs/1",
        "/candidates/1",
        "/assessments/1",
        "/admin/versions/1",
        "/runs/{run_a}x/report",
    ],
)
def test_unknown_or_guessed_ids_are_404(shared: tuple[Flask, World], path: str) -> None:
    app, world = shared
    client = app.test_client()
    AuthActions(client).login()
    response = client.get(path.format(**vars(world)))
    assert response.status_code == 404
    assert "There is no such" in response.get_data(as_text=True)
