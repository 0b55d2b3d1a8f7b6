"""Login, the session it starts, and logout."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.skill("sessions")]


@pytest.mark.visible
@pytest.mark.weight(3)
def test_register_then_login_shows_user(client, register, login):
    """A registered user can log in, and GET /api/me then returns their id, username and role"""
    username, password = register()
    response = login(client, username, password)
    assert response.status_code in (302, 303), (
        f"POST /login with the right password returned {response.status_code}, expected 302"
    )
    me = client.get("/api/me")
    assert me.status_code == 200, f"GET /api/me after login returned {me.status_code}"
    body = me.get_json()
    assert isinstance(body, dict), "GET /api/me must return a JSON object"
    assert body.get("username") == username
    assert body.get("role") == "user"
    assert isinstance(body.get("id"), int)


@pytest.mark.weight(2)
def test_wrong_password_is_401_and_starts_no_session(client, register, login):
    """POST /login with a wrong password answers 401 and leaves the client logged out"""
    username, password = register()
    response = login(client, username, password + "x")
    assert response.status_code == 401, f"wrong password: expected 401, got {response.status_code}"
    assert client.get("/api/me").status_code == 401, "a failed login must not log the user in"


@pytest.mark.weight(1)
def test_unknown_user_and_wrong_password_look_the_same(make_client, register, login):
    """A failed login gives the same answer for an unknown username and a wrong password"""
    username, _ = register()
    wrong_password = login(make_client(), username, "not-the-password")
    unknown_user = login(make_client(), username + "_nobody", "not-the-password")
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.get_json() == unknown_user.get_json(), (
        "the two failures differ, which tells an attacker which usernames exist"
    )


@pytest.mark.weight(2)
def test_logout_ends_the_session(user_client):
    """POST /logout redirects to /login and the client is anonymous afterwards"""
    http, _, _ = user_client
    response = http.post("/logout")
    assert response.status_code in (302, 303), f"POST /logout returned {response.status_code}"
    assert response.location and response.location.split("?")[0].endswith("/login")
    assert http.get("/api/me").status_code == 401, "GET /api/me still works after logout"
    assert http.get("/dashboard").status_code in (302, 303)


@pytest.mark.weight(1)
def test_dashboard_greets_the_logged_in_user(user_client):
    """GET /dashboard for a logged-in user is an HTML page that shows their username"""
    http, username, _ = user_client
    response = http.get("/dashboard")
    assert response.status_code == 200, f"GET /dashboard returned {response.status_code}"
    assert response.mimetype == "text/html"
    assert username in response.text
