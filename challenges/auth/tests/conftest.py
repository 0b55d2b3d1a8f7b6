"""Fixtures shared by the auth suite: unique users, logins, an admin session (all over HTTP)."""

from __future__ import annotations

import uuid
from urllib.parse import urljoin, urlsplit

import pytest

# Must match [app.env] in challenge.toml.
ADMIN_USERNAME = "site_admin"
ADMIN_PASSWORD = "graded-admin-pass-9Kq2"


def unique_username() -> str:
    """Return a fresh valid username (letters, digits, underscore; 3 to 32 characters)."""
    return "u_" + uuid.uuid4().hex[:14]


@pytest.fixture
def admin_username():
    """Return the admin's username from the graded run's environment."""
    return ADMIN_USERNAME


@pytest.fixture
def new_username():
    """Return a function that makes a fresh valid username."""
    return unique_username


@pytest.fixture
def browser_target(app_url):
    """Return a function resolving a Location header as a browser does, to (host:port, path)."""

    def _resolve(location: str) -> tuple[str, str]:
        # Browsers treat "\\" as "/" and drop tabs and newlines before resolving a URL.
        cleaned = location.replace("\\", "/")
        cleaned = "".join(c for c in cleaned if c not in "\t\n\r")
        target = urlsplit(urljoin(app_url.rstrip("/") + "/login", cleaned))
        return target.netloc, target.path

    return _resolve


@pytest.fixture
def register(client):
    """Register a new user with a unique name; return (username, password)."""

    def _register(password: str = "correct-horse-1") -> tuple[str, str]:
        username = unique_username()
        response = client.post("/register", data={"username": username, "password": password})
        assert response.status_code == 201, (
            f"POST /register returned {response.status_code}, expected 201"
        )
        return username, password

    return _register


@pytest.fixture
def login():
    """Log a client in via POST /login; return the response (not followed)."""

    def _login(http, username: str, password: str, next_: str | None = None):
        query = {"next": next_} if next_ is not None else None
        return http.post(
            "/login", data={"username": username, "password": password}, query_string=query
        )

    return _login


@pytest.fixture
def user_client(make_client, register, login):
    """Return (client, username, user id) for a freshly registered, logged-in user."""
    username, password = register()
    http = make_client()
    response = login(http, username, password)
    assert response.status_code in (302, 303), f"login returned {response.status_code}"
    me = http.get("/api/me").get_json()
    assert me and me.get("username") == username, f"/api/me returned {me!r} after login"
    return http, username, me["id"]


@pytest.fixture
def admin_client(make_client, login):
    """Return a client logged in as the admin named in the environment."""
    http = make_client()
    response = login(http, ADMIN_USERNAME, ADMIN_PASSWORD)
    assert response.status_code in (302, 303), (
        f"admin login returned {response.status_code}; is the admin created at startup?"
    )
    return http


@pytest.fixture
def exported_users(admin_client):
    """Return a function that fetches /admin/users.json as the admin, keyed by username."""

    def _export() -> dict[str, dict]:
        response = admin_client.get("/admin/users.json")
        assert response.status_code == 200, f"admin export returned {response.status_code}"
        body = response.get_json()
        assert isinstance(body, dict) and isinstance(body.get("users"), list), (
            f"expected {{'users': [...]}}, got {body!r}"
        )
        return {row.get("username"): row for row in body["users"]}

    return _export
