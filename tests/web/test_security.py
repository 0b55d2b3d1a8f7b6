"""Sign-in, sessions, cookies, CSRF, headers, error pages and what is kept on disk."""

from __future__ import annotations

import stat
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from grader.web.db import User, db

from .conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    AuthActions,
    World,
    client_at,
    csrf_token,
    make_app,
    make_settings,
    post,
)


def test_login_sends_staff_to_the_dashboard(client: FlaskClient, auth: AuthActions) -> None:
    response = auth.login()
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200


def test_wrong_password_is_refused(client: FlaskClient, auth: AuthActions) -> None:
    response = auth.login(ADMIN_EMAIL, "not-the-password")
    assert response.status_code == 401
    assert "Wrong email or password" in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_repeated_failures_pause_the_failing_address_only(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    """Five wrong passwords pause the account for the address that sent them; the real admin
    signing in from elsewhere is never locked out (tests/web/test_rate_limits.py has the rest)."""
    for _ in range(5):
        assert auth.login(ADMIN_EMAIL, "guess").status_code == 401
    paused = auth.login()  # from the failing address even the right password waits
    assert paused.status_code == 429
    assert int(paused.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in paused.get_data(as_text=True)
    elsewhere = AuthActions(client_at(app, "192.0.2.7"))
    assert elsewhere.login().status_code == 302


def test_login_never_redirects_off_site(client: FlaskClient, auth: AuthActions) -> None:
    targets = ("https://evil.example/", "//evil.example/", "/\\evil.example", "/\t/evil.example",
               "/\n/evil.example", "/ /evil.example")  # fmt: skip
    for target in targets:
        response = client.post(
            f"/login?next={quote(target)}",
            data={
                "csrf_token": csrf_token(client),
                "email": ADMIN_EMAIL,
                "password": ADMIN_PASSWORD,
            },
        )
        assert response.headers["Location"] == "/dashboard"
        auth.logout()
    assert client.get("/runs/x").headers["Location"] == "/login?next=/runs/x"


def test_logout_is_a_post(client: FlaskClient, auth: AuthActions) -> None:
    auth.login()
    response = client.get("/logout")
    assert response.status_code == 405
    assert "Method Not Allowed" in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 200
    auth.logout()
    assert client.get("/dashboard").status_code == 302


@pytest.mark.parametrize(
    "path", ["/login", "/logout", "/admin/users", "/invite/x/challenges/routing/submissions"]
)
def test_form_without_csrf_token_is_400(client: FlaskClient, path: str) -> None:
    response = client.post(path, data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert response.status_code == 400
    assert "The CSRF token is missing." in response.get_data(as_text=True)


def test_csrf_token_of_another_session_is_refused(app: Flask, client: FlaskClient) -> None:
    token = csrf_token(app.test_client())
    response = client.post(
        "/login", data={"csrf_token": token, "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    assert response.status_code == 400


def test_password_change_signs_out_other_sessions(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.login()
    other = app.test_client()
    AuthActions(other).login()
    response = post(
        client,
        "/account",
        {
            "current": ADMIN_PASSWORD,
            "password": "a-new-long-password",
            "confirm": "a-new-long-password",
        },
    )
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200
    assert other.get("/dashboard").status_code == 302
    wrong = post(client, "/account", {"current": "nope", "password": "x" * 12, "confirm": "x" * 12})
    assert wrong.status_code == 400


def test_pages_carry_security_headers(client: FlaskClient, world: World) -> None:
    for path in ("/login", f"/invite/{world.token_a}", "/nowhere"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["Cache-Control"] == "no-store"


def test_pages_use_no_inline_script_or_style(
    client: FlaskClient, auth: AuthActions, world: World
) -> None:
    auth.login()
    for path in ("/dashboard", f"/runs/{world.run_a}", f"/assessments/{world.assessment}"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>" not in page and " style=" not in page and "<style" not in page
        assert 'src="/static/app.js"' in page


def test_static_files_are_served(client: FlaskClient) -> None:
    for name in ("style.css", "app.js"):
        response = client.get(f"/static/{name}")
        assert response.status_code == 200
        response.close()


def test_session_cookie_is_httponly_samesite_and_secure_by_default(
    data_dir: Path, bank: Path
) -> None:
    settings = make_settings(data_dir, bank, session_cookie_secure=1)
    client = make_app(settings).test_client()
    cookie = client.get("/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_cookie_over_plain_http_when_configured(client: FlaskClient) -> None:
    cookie = client.get("/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_unknown_page_is_a_404_page(client: FlaskClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Not Found" in response.get_data(as_text=True)


def test_server_error_is_a_page_without_traceback(app: Flask) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong" in page
    assert "secret internals" not in page and "Traceback" not in page


def test_data_folder_and_secret_are_private(app: Flask) -> None:
    data_dir = app.extensions["grader"].settings.data_dir
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    secret = data_dir / "secret_key"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert app.config["SECRET_KEY"] == secret.read_text().strip()


def test_secret_key_survives_a_restart(settings_web, app: Flask) -> None:
    assert make_app(settings_web).config["SECRET_KEY"] == app.config["SECRET_KEY"]


def test_passwords_are_stored_hashed(app: Flask) -> None:
    with app.app_context():
        admin = db.session.scalar(db.select(User).filter_by(email=ADMIN_EMAIL))
        assert ADMIN_PASSWORD not in admin.password_hash
        assert admin.password_hash.startswith("pbkdf2:sha256")


def test_first_run_creates_one_admin(settings_web, app: Flask) -> None:
    first = app.extensions["grader.first_run"]
    assert first.email == ADMIN_EMAIL and first.password is None  # it came from settings
    again = make_app(settings_web)
    assert again.extensions["grader.first_run"] is None
    with again.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1


def test_generated_admin_password_is_reported_once(data_dir: Path, bank: Path) -> None:
    settings = make_settings(data_dir, bank, admin_password="")
    first = make_app(settings).extensions["grader.first_run"]
    assert first.password and len(first.password) >= 12
    client = make_app(settings).test_client()
    assert AuthActions(client).login(ADMIN_EMAIL, first.password).status_code == 302
