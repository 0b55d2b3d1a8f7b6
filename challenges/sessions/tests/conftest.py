"""Helpers for the hidden suite: log in over HTTP, and read or sign Flask session cookies.

Flask's default session is a cookie: a JSON payload (zlib-compressed when that is shorter,
then marked with a leading "."), base64 encoded, a timestamp, and an HMAC signature made with
the app's SECRET_KEY. It is signed, not encrypted, so these helpers read it without the key;
they sign with Flask's own SecureCookieSessionInterface. Nothing here imports the submission.
"""

from __future__ import annotations

import zlib
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import base64_decode, base64_encode

# Must equal SECRET_KEY in challenge.toml's [app.env]: the key the graded app is given.
CONFIGURED_SECRET_KEY = "leafco-graded-7c1e93f04b6a2d58"
COOKIE = "session"
PASSWORDS = {"alice": "wonderland", "bob": "builder"}


def login(client, username: str = "alice", *, remember: bool | None = None):
    """POST /login with the user's real password; return the response."""
    body = {"username": username, "password": PASSWORDS[username]}
    if remember is not None:
        body["remember"] = remember
    return client.post("/login", json=body)


def logged_in(client, username: str = "alice", **kwargs):
    """Log in, check it worked, and return the response."""
    resp = login(client, username, **kwargs)
    assert resp.status_code == 200, f"setup: POST /login as {username} answered {resp.status}"
    assert client.get_cookie(COOKIE), "setup: logging in set no 'session' cookie"
    return resp


def add(client, product, quantity=None):
    """POST /cart; quantity None leaves the field out."""
    body = {"product": product}
    if quantity is not None:
        body["quantity"] = quantity
    return client.post("/cart", json=body)


def added(client, product: str, quantity: int, step: str) -> dict:
    """POST /cart, check it was accepted, and return the cart it answered."""
    resp = add(client, product, quantity)
    assert resp.status_code == 200, (
        f"{step}: POST /cart {{'product': {product!r}, 'quantity': {quantity}}} answered "
        f"{resp.status} {resp.text[:80]}"
    )
    return resp.get_json()


def cart(client, step: str = "reading the cart") -> dict:
    """GET /cart, check it answered 200, and return its JSON."""
    resp = client.get("/cart")
    assert resp.status_code == 200, f"{step}: GET /cart answered {resp.status} {resp.text[:80]}"
    return resp.get_json()


def cookie_attributes(header: str) -> dict[str, str]:
    """The attributes of a Set-Cookie header, lowercased names (the cookie itself left out)."""
    parts = [part.partition("=") for part in header.split(";")[1:]]
    return {name.strip().lower(): value.strip() for name, _, value in parts}


def session_set_cookie(resp) -> str | None:
    """Return the Set-Cookie header that sets the session cookie, or None."""
    for header in resp.headers.get_all("Set-Cookie"):
        if header.split("=", 1)[0].strip() == COOKIE:
            return header
    return None


def payload_text(cookie: str) -> str:
    """Decode a session cookie's payload without the key (it is only signed)."""
    compressed = cookie.startswith(".")
    data = base64_decode(cookie.lstrip(".").split(".")[0])
    if compressed:
        data = zlib.decompress(data)
    return data.decode("utf-8")


def with_payload(cookie: str, text: str) -> str:
    """Return the cookie with its payload replaced and its old timestamp and signature kept."""
    compressed = cookie.startswith(".")
    rest = cookie.lstrip(".").split(".", 1)[1]
    data = text.encode("utf-8")
    encoded = base64_encode(zlib.compress(data) if compressed else data).decode("ascii")
    return f"{'.' if compressed else ''}{encoded}.{rest}"


def serializer(secret_key: str):
    """Flask's own session serializer for a given key."""
    app = Flask("cookie-signer")
    app.secret_key = secret_key
    return SecureCookieSessionInterface().get_signing_serializer(app)


@pytest.fixture
def shop() -> SimpleNamespace:
    """The helpers above, for tests: shop.login(client), shop.payload_text(cookie)..."""
    return SimpleNamespace(
        key=CONFIGURED_SECRET_KEY,
        cookie=COOKIE,
        passwords=PASSWORDS,
        login=login,
        logged_in=logged_in,
        add=add,
        added=added,
        cart=cart,
        cookie_attributes=cookie_attributes,
        session_set_cookie=session_set_cookie,
        payload_text=payload_text,
        with_payload=with_payload,
        serializer=serializer,
    )
