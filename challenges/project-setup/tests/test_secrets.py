"""Hidden suite for project-setup: the secret key and the database password stay secret."""

from __future__ import annotations

import ast
import base64
import hashlib
import hmac

import pytest

pytestmark = [pytest.mark.skill("secrets")]

# The secrets the manifest's [app.env] gives the app (kept in step with challenge.toml).
SECRET_KEY = "graded-run-5b1e9f0c7d2a4e63"
DATABASE_PASSWORD = "Hunter2-db-Pa55"


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signed_with(cookie: str, secret_key: str) -> bool:
    """Tell whether a Flask session cookie was signed with secret_key.

    Flask signs sessions with itsdangerous: salt "cookie-session", HMAC key derivation, SHA-1.
    """
    value, _, signature = cookie.rpartition(".")
    derived = hmac.new(secret_key.encode(), b"cookie-session", hashlib.sha1).digest()
    expected = hmac.new(derived, value.encode(), hashlib.sha1).digest()
    try:
        return hmac.compare_digest(expected, _b64decode(signature))
    except ValueError:
        return False


@pytest.mark.weight(2)  # a leak also caps the score at 50 (challenge.toml)
@pytest.mark.requirement("R15")
@pytest.mark.hint("No page, error or header may reveal a secret setting.")
def test_no_response_reveals_a_secret(client):
    """No page, header or error reveals APP_SECRET_KEY or the database password."""
    # Whatever each answers (its status is other tests' business), none may show a secret.
    requests = [
        ("GET", "/"),
        ("GET", "/health"),
        ("GET", "/config-check"),
        ("GET", "/visits"),
        ("GET", "/visits"),
        ("GET", "/no-such-page"),
        ("POST", "/config-check"),
    ]
    for method, path in requests:
        resp = client.open(path, method=method)
        exposed = resp.text + "\n".join(f"{k}: {v}" for k, v in resp.headers.items())
        assert SECRET_KEY not in exposed, f"{method} {path} revealed the secret key"
        assert DATABASE_PASSWORD not in exposed, f"{method} {path} revealed the database password"


@pytest.mark.weight(3)
@pytest.mark.requirement("R6", "R11")
def test_session_is_signed_with_the_secret_key_from_the_environment(client):
    """The session cookie is signed with APP_SECRET_KEY, not a key written in the code."""
    resp = client.get("/visits")
    assert resp.status_code == 200, f"GET /visits answered {resp.status}"
    cookie = client.get_cookie("session")
    assert cookie, "GET /visits must store the count in Flask's session cookie"
    assert _signed_with(cookie, SECRET_KEY), (
        "the session cookie is not signed with APP_SECRET_KEY: the app uses another secret key"
    )


@pytest.mark.weight(2)
@pytest.mark.requirement("R11")
def test_visits_count_per_browser(client, make_client):
    """/visits counts 1, 2, 3 for one browser; another browser starts again at 1."""
    for n in (1, 2, 3):
        resp = client.get("/visits")
        assert resp.status_code == 200, f"visit {n}: GET /visits answered {resp.status}"
        assert resp.mimetype == "application/json", f"visit {n}: {resp.content_type!r}"
        assert resp.get_json() == {"visits": n}, f"visit {n} answered {resp.get_json()}"
    other = make_client()
    assert other.get("/visits").get_json() == {"visits": 1}, "another browser must start at 1"


@pytest.mark.weight(1)
@pytest.mark.requirement("R11")
def test_first_visit_sets_the_session_cookie(client):
    """A new browser's first GET /visits answers {"visits": 1} and sets the session cookie."""
    resp = client.get("/visits")
    assert resp.status_code == 200, f"GET /visits answered {resp.status}"
    assert resp.get_json() == {"visits": 1}, f"a new browser got {resp.get_json()}"
    cookies = [c for c in resp.headers.get_all("Set-Cookie") if c.startswith("session=")]
    assert cookies, "the first GET /visits must set the session cookie (Set-Cookie: session=...)"


@pytest.mark.requirement("R11")
def test_a_forged_session_is_ignored(client):
    """A session cookie signed with another key is ignored: the count starts at 1."""
    payload = base64.urlsafe_b64encode(b'{"visits":1000}').rstrip(b"=").decode()
    client.set_cookie("session", f"{payload}.aaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbb")
    resp = client.get("/visits")
    assert resp.status_code == 200, f"GET /visits with a forged cookie answered {resp.status}"
    assert resp.get_json() == {"visits": 1}, f"a forged cookie was trusted: {resp.get_json()}"


def _is_nonempty_str(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(node.value)


def _names_secret_key(target: ast.AST) -> bool:
    if isinstance(target, ast.Name):
        return target.id == "SECRET_KEY"
    if isinstance(target, ast.Attribute):
        return target.attr in ("SECRET_KEY", "secret_key")
    if isinstance(target, ast.Subscript):
        return isinstance(target.slice, ast.Constant) and target.slice.value == "SECRET_KEY"
    return False


def _is_env_lookup_of_secret(node: ast.AST) -> bool:
    """os.environ.get("...SECRET...", ...), os.getenv("...SECRET...", ...) and the like."""
    if not isinstance(node, ast.Call) or not node.args:
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    first = node.args[0]
    return (
        name in ("get", "getenv")
        and isinstance(first, ast.Constant)
        and isinstance(first.value, str)
        and "SECRET" in first.value.upper()
    )


def _writes_a_secret(node: ast.AST) -> bool:
    """Tell whether this node writes a secret key (or a fallback for one) as a string."""
    if isinstance(node, ast.Assign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return any(_names_secret_key(t) for t in targets) and _is_nonempty_str(node.value)
    if isinstance(node, ast.Dict):
        return any(
            isinstance(key, ast.Constant) and key.value == "SECRET_KEY" and _is_nonempty_str(value)
            for key, value in zip(node.keys, node.values, strict=True)
        )
    if isinstance(node, ast.Call):
        keyword = any(k.arg == "SECRET_KEY" and _is_nonempty_str(k.value) for k in node.keywords)
        fallbacks = [*node.args[1:], *(k.value for k in node.keywords)]
        fallback = _is_env_lookup_of_secret(node) and any(_is_nonempty_str(a) for a in fallbacks)
        return keyword or fallback
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
        return any(_is_env_lookup_of_secret(v) for v in node.values) and any(
            _is_nonempty_str(v) for v in node.values
        )
    return False


@pytest.mark.weight(3)
@pytest.mark.requirement("R6")
def test_secret_key_is_not_written_in_the_source(source):
    """No secret key, nor a fallback for one, is written in the code as a string."""
    found = {}
    for path in source.python_files():
        lines = [node.lineno for node in ast.walk(source.ast(path)) if _writes_a_secret(node)]
        if lines:
            found[path] = lines
    assert not found, f"a secret key is written in the source: {found}"
