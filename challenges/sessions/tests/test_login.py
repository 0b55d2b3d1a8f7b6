"""Hidden suite for sessions: who is logged in is kept in the session, and logout ends it."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

import pytest


@pytest.mark.visible
@pytest.mark.weight(2)
@pytest.mark.skill("login-state")
def test_login_is_remembered_between_requests(client, shop):
    """After POST /login as alice, GET /me answers 200 {"username": "alice"}."""
    resp = shop.login(client, "alice")
    assert resp.status_code == 200, f"POST /login answered {resp.status}"
    assert resp.get_json() == {"username": "alice"}
    me = client.get("/me")
    assert me.status_code == 200, f"GET /me after logging in answered {me.status}"
    assert me.get_json() == {"username": "alice"}


@pytest.mark.visible
@pytest.mark.weight(1)
@pytest.mark.skill("login-state")
def test_me_without_login_is_401(client):
    """GET /me with no session answers 401 {"error": "not logged in"}."""
    resp = client.get("/me")
    assert resp.status_code == 401, f"got {resp.status}"
    assert resp.get_json() == {"error": "not logged in"}


@pytest.mark.weight(2)
@pytest.mark.skill("login-state")
def test_wrong_credentials_are_401_and_log_nobody_in(client):
    """A wrong password, an unknown user or a missing field answers 401; /me stays 401."""
    for body in (
        {"username": "alice", "password": "builder"},
        {"username": "mallory", "password": "wonderland"},
        {"username": "alice"},
        {},
    ):
        resp = client.post("/login", json=body)
        assert resp.status_code == 401, f"POST /login {body} answered {resp.status}"
        assert resp.get_json() == {"error": "invalid username or password"}
        assert client.get("/me").status_code == 401, f"{body} logged somebody in"


@pytest.mark.weight(1)
@pytest.mark.skill("login-state")
def test_each_client_has_its_own_login(make_client, shop):
    """Two browsers are two sessions: alice in one, bob in another, nobody in a third."""
    alice, bob, guest = make_client(), make_client(), make_client()
    shop.logged_in(alice, "alice")
    shop.logged_in(bob, "bob")
    assert alice.get("/me").get_json() == {"username": "alice"}
    assert bob.get("/me").get_json() == {"username": "bob"}
    assert guest.get("/me").status_code == 401


@pytest.mark.weight(1)
@pytest.mark.skill("login-state")
def test_login_starts_a_fresh_session(client, shop):
    """Logging in as bob over alice's session drops alice's login and cart."""
    shop.logged_in(client, "alice")
    client.post("/cart", json={"product": "oolong", "quantity": 2})
    shop.logged_in(client, "bob")
    assert client.get("/me").get_json() == {"username": "bob"}
    cart = client.get("/cart").get_json()
    assert cart == {"items": {}, "total_cents": 0}, f"bob sees {cart}"


@pytest.mark.weight(1)
@pytest.mark.skill("login-state")
def test_remember_me_keeps_the_session_for_7_days(client, shop):
    """With "remember": true the session cookie expires in 7 days (a permanent session)."""
    header = shop.session_set_cookie(shop.logged_in(client, "alice", remember=True))
    assert header, "the login response did not set the session cookie"
    attributes = {
        k.strip().lower(): v.strip() for k, _, v in (a.partition("=") for a in header.split(";"))
    }
    if "max-age" in attributes:
        lifetime = int(attributes["max-age"])
    else:
        assert "expires" in attributes, f"a remembered session must expire, not: {header}"
        lifetime = parsedate_to_datetime(attributes["expires"]).timestamp() - time.time()
    assert abs(lifetime - 7 * 24 * 3600) < 3600, f"the cookie lives {lifetime / 86400:.2f} days"


@pytest.mark.weight(1)
@pytest.mark.skill("login-state")
def test_without_remember_me_the_session_ends_with_the_browser(client, shop):
    """Without "remember" the session cookie has no Expires or Max-Age (a browser session)."""
    header = shop.session_set_cookie(shop.logged_in(client, "alice"))
    assert header, "the login response did not set the session cookie"
    lowered = header.lower()
    assert "expires=" not in lowered and "max-age=" not in lowered, header


@pytest.mark.weight(2)
@pytest.mark.skill("logout")
def test_logout_ends_the_login(client, shop):
    """After POST /logout, GET /me answers 401."""
    shop.logged_in(client, "alice")
    resp = client.post("/logout")
    assert resp.status_code == 200, f"POST /logout answered {resp.status}"
    assert client.get("/me").status_code == 401


@pytest.mark.weight(3)
@pytest.mark.skill("logout")
def test_logout_clears_the_cart(client, shop):
    """Logout clears the whole session: logging back in shows an empty cart."""
    shop.logged_in(client, "alice")
    client.post("/cart", json={"product": "green-tea", "quantity": 3})
    client.post("/logout")
    shop.logged_in(client, "alice")
    cart = client.get("/cart").get_json()
    assert cart == {"items": {}, "total_cents": 0}, f"the cart survived logout: {cart}"


@pytest.mark.weight(1)
@pytest.mark.skill("logout")
def test_logout_removes_the_session_cookie(client, shop):
    """Logout leaves an empty session, so Flask deletes the cookie from the browser."""
    shop.logged_in(client, "alice")
    client.post("/cart", json={"product": "green-tea", "quantity": 1})
    client.post("/logout")
    assert client.get_cookie(shop.cookie) is None, "the session cookie is still set"


@pytest.mark.weight(1)
@pytest.mark.skill("logout")
def test_logout_without_a_session_is_fine(client):
    """POST /logout with no session answers 200 {"ok": true}."""
    resp = client.post("/logout")
    assert resp.status_code == 200, f"got {resp.status}"
    assert resp.get_json() == {"ok": True}
