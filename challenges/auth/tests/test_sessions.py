"""The login form, logging in and failing to, the session it starts, and logout."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from conftest import assert_json_error

pytestmark = [pytest.mark.skill("sessions")]


class _Forms(HTMLParser):
    """Collect each <form>'s attributes and the names of its inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[dict[str, str | None], set[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "form":
            self.forms.append((dict(attrs), set()))
        elif tag in ("input", "textarea") and self.forms:
            name = dict(attrs).get("name")
            if name:
                self.forms[-1][1].add(name)


@pytest.mark.visible
@pytest.mark.requirement("R8", "R13")
@pytest.mark.weight(3)
def test_register_then_login_shows_user(client, register, login):
    """A registered user can log in, and GET /api/me then returns their id, username and role"""
    username, password, user_id = register()
    response = login(client, username, password)
    assert response.status_code == 302, (
        f"POST /login with the right password returned {response.status_code}, expected 302"
    )
    me = client.get("/api/me")
    assert me.status_code == 200, f"GET /api/me after login returned {me.status_code}"
    body = me.get_json()
    assert isinstance(body, dict), "GET /api/me must return a JSON object"
    assert body == {"id": user_id, "username": username, "role": "user"}, f"got {body!r}"


@pytest.mark.requirement("R7")
@pytest.mark.weight(1)
def test_login_form_posts_back_to_the_same_url(client, app_url):
    """GET /login?next=... is an HTML form (username, password) posting back with the query"""
    path = "/login?next=%2Fapi%2Fme"
    response = client.get(path)
    assert response.status_code == 200, f"GET {path} returned {response.status_code}"
    assert response.mimetype == "text/html", f"expected HTML, got {response.content_type!r}"
    parser = _Forms()
    parser.feed(response.text)
    forms = [(a, names) for a, names in parser.forms if {"username", "password"} <= names]
    assert forms, "no <form> with inputs named username and password"
    attrs, _ = forms[0]
    assert (attrs.get("method") or "get").lower() == "post", "the form must use method=post"
    page = app_url.rstrip("/") + path
    # A form without an action (or action="") posts to the page's own URL, query included.
    target = urljoin(page, attrs.get("action") or "")
    assert target == page, f"the form posts to {target!r}, not back to {page!r}"


@pytest.mark.requirement("R9", "R2")
@pytest.mark.weight(2)
def test_wrong_password_is_a_401_json_error(client, read_only_user, login):
    """POST /login with a wrong password answers 401 with a JSON error"""
    username, password, _ = read_only_user
    assert_json_error(login(client, username, password + "x"), 401, "login with a wrong password")


@pytest.mark.requirement("R9", "R2")
@pytest.mark.weight(2)
def test_unknown_username_is_a_401_json_error(client, new_username, login):
    """POST /login with a username that does not exist answers 401 with a JSON error"""
    response = login(client, new_username(), "whatever-password-1")
    assert_json_error(response, 401, "login with an unknown username")


@pytest.mark.requirement("R9")
@pytest.mark.weight(4)
@pytest.mark.hint("A failed login must answer 401, not crash.")
def test_failed_logins_do_not_crash(make_client, read_only_user, new_username, login):
    """A failed login (wrong password, unknown username, empty form) never answers 5xx"""
    username, password, _ = read_only_user
    attempts = {
        "a wrong password": (username, password + "x"),
        "an unknown username": (new_username(), password),
        "an empty password": (username, ""),
    }
    for what, (name, secret) in attempts.items():
        response = login(make_client(), name, secret)
        assert response.status_code < 500, (
            f"login with {what} answered {response.status_code}: a failed login crashes the app"
        )


@pytest.mark.requirement("R9")
@pytest.mark.weight(1)
def test_failed_login_starts_no_session(client, read_only_user, login):
    """After a failed login the client is still anonymous"""
    username, password, _ = read_only_user
    login(client, username, password + "x")
    me = client.get("/api/me")
    assert not (me.status_code == 200 and username in me.text), (
        "GET /api/me answers for the user after a login with the wrong password"
    )


@pytest.mark.requirement("R10")
@pytest.mark.weight(2)
def test_unknown_user_and_wrong_password_look_the_same(make_client, read_only_user, login):
    """A failed login gives the same status and body for an unknown username and a bad password"""
    username, _, _ = read_only_user
    wrong_password = login(make_client(), username, "not-the-password")
    unknown_user = login(make_client(), username + "_nobody", "not-the-password")
    assert wrong_password.status_code == unknown_user.status_code, (
        f"wrong password: {wrong_password.status_code}, unknown username: "
        f"{unknown_user.status_code}: the difference tells which usernames exist"
    )
    assert wrong_password.data == unknown_user.data, (
        f"the bodies differ ({wrong_password.text[:100]!r} vs {unknown_user.text[:100]!r}), "
        "which tells an attacker which usernames exist"
    )


@pytest.mark.requirement("R11")
@pytest.mark.weight(2)
def test_logout_redirects_to_login_and_ends_the_session(user_client, where_browser_goes):
    """POST /logout answers 302 to /login and the client is anonymous afterwards"""
    http, username, _ = user_client
    response = http.post("/logout")
    assert response.status_code == 302, f"step 1: POST /logout returned {response.status_code}"
    _, path = where_browser_goes(response.location)
    assert path == "/login", f"step 1: POST /logout redirected to {response.location!r}"
    me = http.get("/api/me")
    assert not (me.status_code == 200 and username in me.text), (
        "step 2: GET /api/me still answers for the user after logout"
    )


@pytest.mark.requirement("R12")
@pytest.mark.weight(1)
def test_dashboard_greets_the_logged_in_user(user_client):
    """GET /dashboard for a logged-in user is an HTML page that shows their username"""
    http, username, _ = user_client
    response = http.get("/dashboard")
    assert response.status_code == 200, f"GET /dashboard returned {response.status_code}"
    assert response.mimetype == "text/html", f"expected HTML, got {response.content_type!r}"
    assert username in response.text, "the dashboard does not show the username"
