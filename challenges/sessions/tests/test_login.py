"""Hidden suite for sessions: who is logged in is kept in the session, and logout ends it."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

import pytest

NOT_LOGGED_IN = {"error": "not logged in"}
INVALID = {"error": "invalid username or password"}
EMPTY_CART = {"items": {}, "total_cents": 0}


def _assert_nobody_logged_in(client, what: str) -> None:
    me = client.get("/me")
    assert me.status_code == 401, f"{what} logged somebody in: GET /me answered {me.status}"


def _assert_refused(client, resp, what: str) -> None:
    assert resp.status_code == 401, f"POST /login {what} answered {resp.status}, expected 401"
    assert resp.get_json() == INVALID, f"POST /login {what} answered {resp.text[:80]!r}"
    _assert_nobody_logged_in(client, what)


@pytest.mark.visible
@pytest.mark.weight(2)
@pytest.mark.skill("login-state")
@pytest.mark.requirement("R6")
def test_login_is_remembered_between_requests(client, shop):
    """After POST /login as alice, GET /me answers 200 {"username": "alice"}."""
    resp = shop.login(client, "alice")
    assert resp.status_code == 200, f"POST /login answered {resp.status}"
    assert resp.get_json() == {"username": "alice"}, f"POST /login answered {resp.text[:80]!r}"
    me = client.get("/me")
    assert me.status_code == 200, f"GET /me after logging in answered {me.status}"
    assert me.get_json() == {"username": "alice"}


@pytest.mark.visible
@pytest.mark.weight(1)
@pytest.mark.skill("login-state")
@pytest.mark.requirement("R6")
def test_me_without_login_is_401(client):
    """GET /me with no session answers 401 {"error": "not logged in"}."""
    resp = client.get("/me")
    assert resp.status_code == 401, f"got {resp.status}"
    assert resp.get_json() == NOT_LOGGED_IN, f"got {resp.text[:80]!r}"


@pytest.mark.weight(2)
@pytest.mark.skill("login-state")
@pytest.mark.requirement("R7")
@pytest.mark.parametrize(
    "body",
    [
        {"username": "alice", "password": "builder"},  # bob's password
        {"username": "alice", "password": "Wonderland"},
        {"username": "mallory", "password": "wonderland"},
    ],
    ids=["other-users-password", "wrong-case-password", "unknown-user"],
)
def test_wrong_credentials_are_401_and_log_nobody_in(client, body):
    """A wrong password or an unknown user answers 401 and /me stays 401."""
    _assert_refused(client, client.post("/login", json=body), str(body))


@pytest.mark.weight(1)
@pytest.mark.skill("login-state")
@pytest.mark.requirement("R7")
def test_missing_credentials_are_401(client):
    """A login without a username, a password or both answers 401, not a server error."""
    for body in ({"username": "alice"}, {"password": "wonderland"}, {}):
        _assert_refused(client, client.post("/login", json=body), str(body))


@pytest.mark.weight(1)
@pytest.mark.skill("login-state")
@pytest.mark.requirement("R7", "R5")
def test_credentials_that_are_not_strings_are_401(client):
    """A username or password that is not a string (a number, a list) answers 401."""
    for body in (
        {"username": "alice", "password": 12345},
        {"username": ["alice"], "password": "wonderland"},
        {"username": {"name": "alice"}, "password": "wonderland"},
        {"username": "alice", "password": None},
    ):
        _assert_refused(client, client.post("/login", json=body), str(body))


@pytest.mark.weight(1)
@pytest.mark.skill("login-state")
@pytest.mark.requirement("R7", "R5")
def test_login_bodies_that_are_not_json_objects_are_401(client):
    """A login body that is a JSON list, not JSON at all, or empty answers 401 in JSON."""
    cases = (
        ("a JSON list", {"json": ["alice", "wonderland"]}),
        ("a JSON string", {"json": "alice"}),
        ("a form", {"data": {"username": "alice", "password": "wonderland"}}),
        ("plain text", {"data": "alice:wonderland", "headers": {"Content-Type": "text/plain"}}),
        ("no body", {}),
    )
    for what, kwargs in cases:
        _assert_refused(client, client.post("/login", **kwargs), f"with {what}")


@pytest.mark.weight(1)
@pytest.mark.skill("login-state")
@pytest.mark.requirement("R6")
def test_each_client_has_its_own_login(make_client, shop):
    """Two browsers are two sessions: alice in one, bob in another, nobody in a third."""
    alice, bob, guest = make_client(), make_client(), make_client()
    shop.logged_in(alice, "alice")
    shop.logged_in(bob, "bob")
    assert alice.get("/me").get_json() == {"username": "alice"}, "alice's browser"
    assert bob.get("/me").get_json() == {"username": "bob"}, "bob's browser"
    assert guest.get("/me").status_code == 401, "a third browser is logged in"


@pytest.mark.weight(1)
@pytest.mark.skill("login-state")
@pytest.mark.requirement("R8")
def test_login_replaces_the_previous_user(client, shop):
    """Logging in as bob in alice's session makes /me answer bob."""
    shop.logged_in(client, "alice")
    shop.logged_in(client, "bob")
    me = client.get("/me")
    assert me.get_json() == {"username": "bob"}, f"after logging in as bob, /me is {me.text!r}"


@pytest.mark.weight(2)
@pytest.mark.skill("login-state")
@pytest.mark.requirement("R8")
def test_login_drops_the_previous_cart(client, shop):
    """Logging in as bob over alice's session drops alice's cart."""
    shop.logged_in(client, "alice")
    shop.added(client, "oolong", 2, "step 1: alice adding 2 oolong")
    shop.logged_in(client, "bob")
    cart = shop.cart(client, "step 2: bob reading his cart")
    assert cart == EMPTY_CART, f"bob sees alice's cart: {cart}"


@pytest.mark.weight(1)
@pytest.mark.skill("login-state")
@pytest.mark.requirement("R4")
def test_remember_me_keeps_the_session_for_7_days(client, shop):
    """With "remember": true the session cookie expires in 7 days (a permanent session)."""
    header = shop.session_set_cookie(shop.logged_in(client, "alice", remember=True))
    assert header, "the login response did not set the session cookie"
    attributes = shop.cookie_attributes(header)
    if "max-age" in attributes:
        lifetime = int(attributes["max-age"])
    else:
        assert "expires" in attributes, f"a remembered session must expire, not: {header}"
        lifetime = parsedate_to_datetime(attributes["expires"]).timestamp() - time.time()
    assert abs(lifetime - 7 * 24 * 3600) < 3600, f"the cookie lives {lifetime / 86400:.2f} days"


@pytest.mark.weight(1)
@pytest.mark.skill("login-state")
@pytest.mark.requirement("R4")
@pytest.mark.parametrize("remember", [None, False], ids=["no-remember", "remember-false"])
def test_without_remember_me_the_session_ends_with_the_browser(client, shop, remember):
    """Without "remember": true the session cookie has no Expires or Max-Age."""
    header = shop.session_set_cookie(shop.logged_in(client, "alice", remember=remember))
    assert header, "the login response did not set the session cookie"
    attributes = shop.cookie_attributes(header)
    assert "expires" not in attributes and "max-age" not in attributes, header


@pytest.mark.weight(1)
@pytest.mark.skill("login-state")
@pytest.mark.requirement("R4", "R8")
def test_a_plain_login_after_a_remembered_one_ends_with_the_browser(client, shop):
    """A login without "remember" after a remembered one drops it: a browser-session cookie."""
    shop.logged_in(client, "alice", remember=True)
    header = shop.session_set_cookie(shop.logged_in(client, "bob"))
    assert header, "the second login response did not set the session cookie"
    attributes = shop.cookie_attributes(header)
    assert "expires" not in attributes and "max-age" not in attributes, (
        f"the new session kept the old one's 'remember': {header}"
    )


@pytest.mark.weight(2)
@pytest.mark.skill("logout")
@pytest.mark.requirement("R9")
def test_logout_ends_the_login(client, shop):
    """POST /logout answers 200 {"ok": true}, and GET /me then answers 401."""
    shop.logged_in(client, "alice")
    resp = client.post("/logout")
    assert resp.status_code == 200, f"POST /logout answered {resp.status}"
    assert resp.get_json() == {"ok": True}, f"POST /logout answered {resp.text[:80]!r}"
    me = client.get("/me")
    assert me.status_code == 401, f"after logout GET /me answered {me.status} {me.text[:80]}"


@pytest.mark.weight(3)
@pytest.mark.skill("logout")
@pytest.mark.requirement("R10")
def test_logout_clears_the_cart(client, shop):
    """Logout clears the whole session: logging back in shows an empty cart."""
    shop.logged_in(client, "alice")
    shop.added(client, "green-tea", 3, "step 1: adding 3 green-tea")
    resp = client.post("/logout")
    assert resp.status_code == 200, f"step 2: POST /logout answered {resp.status}"
    shop.logged_in(client, "alice")
    cart = shop.cart(client, "step 3: reading the cart after logging back in")
    assert cart == EMPTY_CART, f"the cart survived logout: {cart}"


@pytest.mark.weight(1)
@pytest.mark.skill("logout")
@pytest.mark.requirement("R10")
def test_logout_removes_the_session_cookie(client, shop):
    """Logout leaves an empty session, so Flask deletes the cookie from the browser."""
    shop.logged_in(client, "alice")
    shop.added(client, "green-tea", 1, "step 1: adding 1 green-tea")
    resp = client.post("/logout")
    assert resp.status_code == 200, f"step 2: POST /logout answered {resp.status}"
    assert client.get_cookie(shop.cookie) is None, (
        f"the session cookie is still set after logout: {shop.session_set_cookie(resp)}"
    )


@pytest.mark.weight(1)
@pytest.mark.skill("logout")
@pytest.mark.requirement("R9")
def test_logout_without_a_session_is_fine(client):
    """POST /logout with no session answers 200 {"ok": true}."""
    resp = client.post("/logout")
    assert resp.status_code == 200, f"got {resp.status}"
    assert resp.get_json() == {"ok": True}, f"got {resp.text[:80]!r}"
