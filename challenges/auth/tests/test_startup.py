"""What the app takes from its environment: the session key and the admin account."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature
from werkzeug.security import check_password_hash


def _session_serializer(secret_key: str):
    """Return the serializer Flask signs session cookies with under ``secret_key``."""
    signer_app = Flask("auth-suite-signer")
    signer_app.secret_key = secret_key
    return SecureCookieSessionInterface().get_signing_serializer(signer_app)


@pytest.mark.requirement("R1", "R8")
@pytest.mark.skill("sessions")
@pytest.mark.weight(2)
def test_session_cookie_is_signed_with_the_environment_secret_key(
    client, read_only_user, login, app_env
):
    """After a login, the session cookie is signed with the SECRET_KEY from the environment"""
    username, password, _ = read_only_user
    response = login(client, username, password)
    assert response.status_code in (302, 303), (
        f"step 1: login with the right password returned {response.status_code}, expected 302"
    )
    cookies = client.cookies
    assert cookies, "step 2: the login set no cookie, so there is no session"
    serializer = _session_serializer(app_env["SECRET_KEY"])
    signed = {}
    for name, value in cookies.items():
        try:
            signed[name] = serializer.loads(value)
        except BadSignature:
            continue
    assert signed, (
        f"step 2: none of the cookies {sorted(cookies)} is a Flask session signed with the "
        "SECRET_KEY from the environment: read app.config['SECRET_KEY'] from os.environ"
    )
    assert any(signed.values()), "step 2: the signed session is empty after a login"


@pytest.mark.requirement("R1")
@pytest.mark.skill("authorization")
@pytest.mark.weight(2)
def test_admin_account_from_the_environment_has_the_admin_role(
    make_client, login, admin_username, admin_password
):
    """ADMIN_USERNAME / ADMIN_PASSWORD can log in at once, with the admin role"""
    http = make_client()
    response = login(http, admin_username, admin_password)
    assert response.status_code in (302, 303), (
        f"step 1: the admin's login returned {response.status_code}, expected 302: create the "
        "ADMIN_USERNAME account with ADMIN_PASSWORD when the app starts"
    )
    export = http.get("/admin/users.json")
    assert export.status_code == 200, (
        f"step 2: the admin's GET /admin/users.json returned {export.status_code}, expected 200: "
        "the account needs the admin role"
    )
    rows = (export.get_json() or {}).get("users") or []
    mine = [row for row in rows if isinstance(row, dict) and row.get("username") == admin_username]
    assert mine and mine[0].get("role") == "admin", (
        f"step 3: the export must list {admin_username!r} with role 'admin', got {mine!r}"
    )


@pytest.mark.requirement("R1", "R19")
@pytest.mark.skill("password-hashing")
@pytest.mark.weight(1)
def test_admin_password_is_stored_as_a_hash(exported_users, admin_username, admin_password):
    """The admin account created at startup stores a werkzeug hash of ADMIN_PASSWORD"""
    row = exported_users().get(admin_username)
    assert row is not None, f"{admin_username!r} is missing from /admin/users.json"
    stored = row.get("password_hash")
    assert isinstance(stored, str) and stored != admin_password, (
        "the admin's password is stored in plain text"
    )
    assert check_password_hash(stored, admin_password), (
        "the admin's password_hash does not verify ADMIN_PASSWORD with check_password_hash"
    )
