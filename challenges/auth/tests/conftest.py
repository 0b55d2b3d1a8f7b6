"""Shared helpers of the auth suite: unique users, logins, an admin session, JSON errors and a
browser's reading of a Location header. Everything goes over HTTP."""

from __future__ import annotations

import re
import secrets
import string
import uuid
from urllib.parse import urljoin, urlsplit

import pytest

# Must match [app.env] in challenge.toml (the `app_env` fixture reads the real values).
ADMIN_USERNAME = "site_admin"
DEFAULT_PASSWORD = "correct-horse-1"
_C0_OR_SPACE = "".join(chr(c) for c in range(33))
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):(.*)", re.DOTALL)
# Password hashing is slow on purpose (werkzeug's default scrypt): the admin's session cookies
# and one read-only user are made once per run, whichever test asks first, so the suite stays
# quick with any hash setting. Tests that change a user always register their own.
_ADMIN_COOKIES: dict[str, str] = {}
_READ_ONLY_USER: list[tuple[str, str, int]] = []


def unique_username(length: int = 16) -> str:
    """Return a fresh valid username (letters, digits, underscore) of the given length (>= 3)."""
    if length < 8:
        alphabet = string.ascii_letters + string.digits
        return "".join(secrets.choice(alphabet) for _ in range(length))
    return ("u_" + uuid.uuid4().hex + uuid.uuid4().hex)[:length]


def assert_json_error(response, status: int, what: str) -> None:
    """Assert that ``response`` is the JSON error {"error": "..."} with ``status``."""
    assert response.status_code == status, (
        f"{what}: expected {status}, got {response.status_code}"
        + (" (the app crashed)" if response.status_code >= 500 else "")
    )
    assert response.mimetype == "application/json", (
        f"{what}: an error must be JSON (Content-Type: application/json), "
        f"got Content-Type {response.content_type!r}"
    )
    body = response.get_json()
    assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], (
        f'{what}: expected a JSON body {{"error": "<message>"}}, got {response.text[:200]!r}'
    )


def browser_destination(location: str | None, base_url: str) -> tuple[str, str]:
    """Return (host:port, path) where a browser goes for this Location, from base_url/login.

    Reads the header as browsers do (the WHATWG URL parser, for http and https): leading and
    trailing spaces and control characters are dropped, tabs and newlines anywhere are removed,
    a backslash is a slash, and two or more slashes (or a scheme) start a host.
    """
    base = urlsplit(base_url)
    text = (location or "").strip(_C0_OR_SPACE)
    text = "".join(c for c in text if c not in "\t\n\r").replace("\\", "/")
    scheme = _SCHEME.match(text)
    if scheme:
        name, rest = scheme.group(1).lower(), scheme.group(2)
        if name not in ("http", "https"):
            return f"{name}:", ""  # another scheme: not this site either way
        if name == base.scheme and not rest.startswith("/"):
            text = rest  # "http:path" relative to an http page is a relative path
        else:
            return _authority_and_path(rest.lstrip("/"))
    if text.startswith("//"):
        return _authority_and_path(text.lstrip("/"))
    target = urlsplit(urljoin(base_url.rstrip("/") + "/login", text))
    return target.netloc.lower(), target.path


def _authority_and_path(rest: str) -> tuple[str, str]:
    cut = min([i for i in (rest.find(c) for c in "/?#") if i >= 0], default=len(rest))
    authority, remainder = rest[:cut], rest[cut:]
    host = authority.rpartition("@")[2].lower()
    return host, urlsplit(remainder).path or "/"


@pytest.fixture
def admin_username(app_env):
    """Return the admin's username from the graded run's environment."""
    return app_env.get("ADMIN_USERNAME", ADMIN_USERNAME)


@pytest.fixture
def admin_password(app_env):
    """Return the admin's password from the graded run's environment."""
    return app_env["ADMIN_PASSWORD"]


@pytest.fixture
def new_username():
    """Return a function that makes a fresh valid username."""
    return unique_username


@pytest.fixture
def where_browser_goes(app_url):
    """Return a function reading a Location header as a browser would: (host:port, path)."""

    def _resolve(location: str | None) -> tuple[str, str]:
        return browser_destination(location, app_url)

    return _resolve


@pytest.fixture
def register(make_client):
    """Register a new user with a unique name; return (username, password, id)."""

    def _register(password: str = DEFAULT_PASSWORD) -> tuple[str, str, int]:
        username = unique_username()
        response = make_client().post(
            "/register", data={"username": username, "password": password}
        )
        assert response.status_code == 201, (
            f"setup: POST /register for a new user returned {response.status_code}, expected 201"
        )
        body = response.get_json()
        user_id = body.get("id") if isinstance(body, dict) else None
        assert isinstance(user_id, int), (
            f'setup: POST /register must answer {{"id": <int>, ...}}, got {response.text[:200]!r}'
        )
        return username, password, user_id

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
    username, password, user_id = register()
    http = make_client()
    response = login(http, username, password)
    assert response.status_code in (302, 303), (
        f"setup: logging in a new user returned {response.status_code}, expected 302"
    )
    return http, username, user_id


@pytest.fixture
def admin_client(make_client, login, admin_username, admin_password):
    """Return a client logged in as the admin named in the environment."""
    http = make_client()
    if _ADMIN_COOKIES:
        for name, value in _ADMIN_COOKIES.items():
            http.set_cookie(name, value)
        return http
    response = login(http, admin_username, admin_password)
    assert response.status_code in (302, 303), (
        f"setup: the admin's login returned {response.status_code}, expected 302; "
        "is the ADMIN_USERNAME account created at startup?"
    )
    _ADMIN_COOKIES.update(http.cookies)
    return http


@pytest.fixture
def read_only_user(register):
    """Return (username, password, id) of a user that no test changes (made once per run)."""
    if not _READ_ONLY_USER:
        _READ_ONLY_USER.append(register())
    return _READ_ONLY_USER[0]


@pytest.fixture
def exported_users(admin_client):
    """Return a function that fetches /admin/users.json as the admin, keyed by username."""

    def _export() -> dict[str, dict]:
        response = admin_client.get("/admin/users.json")
        assert response.status_code == 200, (
            f"setup: the admin's GET /admin/users.json returned {response.status_code}"
        )
        body = response.get_json()
        assert isinstance(body, dict) and isinstance(body.get("users"), list), (
            f"setup: expected {{'users': [...]}} from the export, got {response.text[:200]!r}"
        )
        return {row.get("username"): row for row in body["users"] if isinstance(row, dict)}

    return _export
