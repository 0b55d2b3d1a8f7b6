"""Hidden suite for sessions: the cookie is signed with the configured key and checked."""

from __future__ import annotations

import ast
import json

import pytest

_SECRET_NAMES = {"SECRET_KEY", "FLASK_SECRET_KEY"}


@pytest.mark.weight(3)
@pytest.mark.skill("secret-key")
@pytest.mark.requirement("R1")
def test_session_is_signed_with_the_configured_key(make_client, shop):
    """The session cookie is signed with SECRET_KEY from the environment; the app trusts it."""
    client = make_client()
    shop.logged_in(client, "alice")
    cookie = client.get_cookie(shop.cookie)
    signer = shop.serializer(shop.key)
    try:
        contents = signer.loads(cookie)
    except Exception as e:  # itsdangerous.BadSignature and friends
        pytest.fail(f"the session cookie is not signed with the configured SECRET_KEY ({e})")
    forged = make_client()
    forged.set_cookie(shop.cookie, signer.dumps(dict(contents)))
    me = forged.get("/me")
    assert me.get_json() == {"username": "alice"}, (
        f"a cookie signed with the configured key was not accepted: {me.status} {me.text[:80]}"
    )


@pytest.mark.weight(3)
@pytest.mark.skill("secret-key")
@pytest.mark.requirement("R2")
def test_tampered_cookie_is_rejected(make_client, shop):
    """A session cookie whose payload was edited (alice -> bob) is ignored: 401, not bob."""
    client = make_client()
    shop.logged_in(client, "alice")
    cookie = client.get_cookie(shop.cookie)
    payload = shop.payload_text(cookie)
    edited = payload.replace("alice", "bob") if "alice" in payload else payload + " "
    attacker = make_client()
    attacker.set_cookie(shop.cookie, shop.with_payload(cookie, edited))
    resp = attacker.get("/me")
    assert resp.status_code == 401, f"an edited cookie answered {resp.status} {resp.text[:80]}"


@pytest.mark.weight(2)
@pytest.mark.skill("secret-key")
@pytest.mark.requirement("R2")
def test_cookie_signed_with_another_key_is_rejected(make_client, shop):
    """The same session signed with a key guessed by an attacker is ignored: 401."""
    client = make_client()
    shop.logged_in(client, "alice")
    contents = json.loads(shop.payload_text(client.get_cookie(shop.cookie)))
    attacker = make_client()
    for guess in ("dev", "secret", "change-me", "super secret key"):
        for forged in (contents, {"user": "alice"}, {"username": "alice"}):
            attacker.set_cookie(shop.cookie, shop.serializer(guess).dumps(forged))
            resp = attacker.get("/me")
            assert resp.status_code == 401, f"a cookie signed with {guess!r} answered {resp.status}"


def _literals(node: ast.AST) -> list[str]:
    """String literals in an expression, other than the names of the key's variables."""
    return [
        repr(n.value)
        for n in ast.walk(node)
        if isinstance(n, ast.Constant)
        and isinstance(n.value, str | bytes)
        and n.value
        and n.value not in _SECRET_NAMES
    ]


def _is_secret_target(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return node.id.upper() == "SECRET_KEY"
    if isinstance(node, ast.Attribute):
        return node.attr.upper() == "SECRET_KEY"
    if isinstance(node, ast.Subscript):
        return isinstance(node.slice, ast.Constant) and node.slice.value in _SECRET_NAMES
    return False


def _written_secrets(tree: ast.Module) -> list[str]:
    """Places where a literal becomes the secret key, fallbacks of os.environ.get included."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if node.value is not None and any(_is_secret_target(t) for t in targets):
                found += _literals(node.value)
        elif isinstance(node, ast.keyword) and (node.arg or "").upper() == "SECRET_KEY":
            found += _literals(node.value)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value in _SECRET_NAMES:
                    found += _literals(value)
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value in _SECRET_NAMES
        ):  # os.environ.get("SECRET_KEY", "dev"), os.getenv(...), config.setdefault(...)
            for fallback in [*node.args[1:], *(k.value for k in node.keywords)]:
                found += _literals(fallback)
        elif isinstance(node, ast.BoolOp) and any(_reads_secret(v) for v in node.values):
            for fallback in node.values:  # os.environ.get("SECRET_KEY") or "dev"
                if not _reads_secret(fallback):
                    found += _literals(fallback)
    return found


def _reads_secret(node: ast.AST) -> bool:
    """os.environ.get("SECRET_KEY"), os.getenv("SECRET_KEY"), os.environ["SECRET_KEY"]..."""
    if isinstance(node, ast.Call):
        first = node.args[0] if node.args else None
    elif isinstance(node, ast.Subscript):
        first = node.slice
    else:
        return False
    return isinstance(first, ast.Constant) and first.value in _SECRET_NAMES


@pytest.mark.weight(2)
@pytest.mark.skill("secret-key")
@pytest.mark.requirement("R1")
def test_secret_key_is_not_written_in_the_source(source):
    """No secret key is written in the code, not even as a fallback for a missing variable."""
    written = {
        path: hits for path in source.python_files() if (hits := _written_secrets(source.ast(path)))
    }
    assert not written, f"a secret key is written in the source: {written}"


@pytest.mark.weight(1)
@pytest.mark.skill("cookie-security")
@pytest.mark.requirement("R3")
def test_login_sets_a_cookie_named_session(client, shop):
    """POST /login sets the session in a cookie keeping Flask's name, "session"."""
    resp = shop.login(client, "alice")
    assert resp.status_code == 200, f"POST /login answered {resp.status}"
    names = [h.split("=", 1)[0].strip() for h in resp.headers.get_all("Set-Cookie")]
    assert shop.cookie in names, f"the login response set the cookies {names}, not 'session'"


@pytest.mark.weight(1)
@pytest.mark.skill("cookie-security")
@pytest.mark.requirement("R3")
@pytest.mark.hint("Scripts in the page should not be able to read the session cookie.")
def test_session_cookie_is_httponly(client, shop):
    """The session cookie is HttpOnly, so page scripts cannot read it."""
    header = shop.session_set_cookie(shop.logged_in(client))
    assert header, "the login response did not set the session cookie"
    assert "httponly" in shop.cookie_attributes(header), header


@pytest.mark.weight(1)
@pytest.mark.skill("cookie-security")
@pytest.mark.requirement("R3")
def test_session_cookie_is_samesite_lax(client, shop):
    """The session cookie has SameSite=Lax, so other sites cannot send it along with a POST."""
    header = shop.session_set_cookie(shop.logged_in(client))
    assert header, "the login response did not set the session cookie"
    samesite = shop.cookie_attributes(header).get("samesite")
    assert (samesite or "").lower() == "lax", header


@pytest.mark.weight(2)
@pytest.mark.skill("cookie-security")
@pytest.mark.requirement("R13")
def test_password_is_never_put_in_the_session(client, shop):
    """The session cookie (readable by its holder) holds no password and no password hash."""
    shop.logged_in(client, "bob")
    payload = shop.payload_text(client.get_cookie(shop.cookie))
    assert shop.passwords["bob"] not in payload, "the password is in the session cookie"
    assert "scrypt:" not in payload and "pbkdf2:" not in payload, "a password hash is in it"
