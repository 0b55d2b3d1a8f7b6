"""Rate limits on sign-in and invite links: they slow attackers and never lock the real user out.

Windows are set short through settings; the two tests that outwait a window sleep about a second.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from limits.storage import RedisStorage

from grader.config import Settings
from grader.errors import InputRejected
from grader.web import create_app
from grader.web.db import RateLimitCounter, db
from grader.web.ratelimit import DatabaseStorage, limiter

from .conftest import (
    ADMIN_EMAIL,
    AuthActions,
    FakeQueue,
    build_world,
    client_at,
    make_app,
    make_settings,
)

ATTACKER, USER, OTHER = "203.0.113.66", "198.51.100.10", "192.0.2.33"
MANY = "1000 per minute"


def _app(data_dir: Path, bank: Path, **limits: object) -> Flask:
    values: dict[str, object] = {
        "ratelimit_sign_in_address": MANY,
        "ratelimit_sign_in_account": MANY,
        "ratelimit_invite_guesses": MANY,
        **limits,
    }
    return make_app(make_settings(data_dir, bank, **values))


def _from(app: Flask, address: str) -> AuthActions:
    return AuthActions(client_at(app, address))


def _retry_after(response) -> int:
    assert response.status_code == 429, response.status_code
    return int(response.headers["Retry-After"])


def test_an_attackers_wrong_passwords_never_stop_the_real_user(data_dir: Path, bank: Path) -> None:
    app = _app(data_dir, bank, ratelimit_sign_in_account="3 per minute")
    attacker = _from(app, ATTACKER)
    assert [attacker.login(ADMIN_EMAIL, "guess").status_code for _ in range(3)] == [401] * 3
    for _ in range(5):  # the account is now slowed for the attacker, right password or not
        assert 0 < _retry_after(attacker.login(ADMIN_EMAIL, "guess")) <= 60
    assert attacker.login().status_code == 429
    # A guesser at a new address gets no further: the account's failures count everywhere.
    assert _from(app, OTHER).login(ADMIN_EMAIL, "guess").status_code == 429
    # The real admin, at an address that has not been failing, signs in.
    assert _from(app, USER).login().status_code == 302


def test_one_address_trying_many_emails_is_slowed(data_dir: Path, bank: Path) -> None:
    app = _app(data_dir, bank, ratelimit_sign_in_address="5 per minute")
    attacker = _from(app, ATTACKER)
    for n in range(5):
        assert attacker.login(f"user{n}@example.com", "guess").status_code == 401
    slowed = attacker.login("user5@example.com", "guess")
    assert 0 < _retry_after(slowed) <= 60
    assert "Too many sign-in attempts came from your address" in slowed.get_data(as_text=True)
    assert _from(app, USER).login().status_code == 302


def test_the_wait_grows_with_each_longer_window(data_dir: Path, bank: Path) -> None:
    app = _app(data_dir, bank, ratelimit_sign_in_address="2 per 1 second; 3 per 1 minute")
    attacker = _from(app, ATTACKER)
    assert [attacker.login(ADMIN_EMAIL, "guess").status_code for _ in range(2)] == [401] * 2
    first_wait = _retry_after(attacker.login(ADMIN_EMAIL, "guess"))
    assert first_wait <= 1
    time.sleep(1.1)
    assert attacker.login(ADMIN_EMAIL, "guess").status_code == 401
    second_wait = _retry_after(attacker.login(ADMIN_EMAIL, "guess"))
    assert second_wait > 30 > first_wait


def test_limits_survive_a_restart(data_dir: Path, bank: Path) -> None:
    limits = {"ratelimit_sign_in_account": "2 per minute"}
    app = _app(data_dir, bank, **limits)
    attacker = _from(app, ATTACKER)
    assert [attacker.login(ADMIN_EMAIL, "guess").status_code for _ in range(2)] == [401] * 2
    with app.app_context():
        assert db.session.query(RateLimitCounter).count() > 0  # counted in the database
        db.engine.dispose()

    restarted = _app(data_dir, bank, **limits)
    assert _from(restarted, ATTACKER).login(ADMIN_EMAIL, "guess").status_code == 429
    assert _from(restarted, USER).login().status_code == 302


def test_the_right_password_works_after_the_window(data_dir: Path, bank: Path) -> None:
    app = _app(data_dir, bank, ratelimit_sign_in_account="2 per 1 second")
    user = _from(app, USER)  # the user mistyped from their own address
    assert [user.login(ADMIN_EMAIL, "typo").status_code for _ in range(2)] == [401] * 2
    assert user.login().status_code == 429
    time.sleep(1.1)
    assert user.login().status_code == 302


def test_guessing_invite_links_from_one_address_is_limited(data_dir: Path, bank: Path) -> None:
    app = _app(data_dir, bank, ratelimit_invite_guesses="3 per minute")
    world = build_world(app)
    guesser = client_at(app, ATTACKER)
    for n in range(3):
        assert guesser.get(f"/invite/guess-{n}").status_code == 404
    assert 0 < _retry_after(guesser.get("/invite/guess-3")) <= 60
    assert guesser.get(f"/invite/{world.token_a}").status_code == 429
    status = guesser.get(f"/invite/{world.token_a}/submissions/{world.submission_a}/status")
    assert status.status_code == 429 and status.is_json
    # A candidate's own pages, however often loaded, count as no guess.
    candidate = client_at(app, USER)
    for _ in range(5):
        assert candidate.get(f"/invite/{world.token_a}").status_code == 200


def test_database_storage_counts_windows(settings_db: Settings) -> None:
    app = make_app(settings_db)
    storage = DatabaseStorage()
    try:
        with app.app_context():
            assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
            assert storage.get("k") == 3
            assert time.time() < storage.get_expiry("k") <= time.time() + 60
            assert storage.incr("x" * 300, 60, amount=2) == 2  # long keys are hashed
            storage.clear("k")
            assert storage.get("k") == 0
            assert storage.incr("gone", 0) == 1  # a window that ended counts from zero
            assert storage.incr("gone", 60) == 1
            assert storage.check()
            assert storage.reset() == 2
    finally:
        with app.app_context():
            db.engine.dispose()


def test_a_bad_limit_setting_is_refused(data_dir: Path, bank: Path) -> None:
    settings = make_settings(data_dir, bank, ratelimit_sign_in_account="lots")
    with pytest.raises(InputRejected, match="'ratelimit_sign_in_account': 'lots'"):
        create_app({"SETTINGS": settings, "GRADING_QUEUE_FACTORY": FakeQueue})


def test_redis_storage_when_configured(app: Flask, client: FlaskClient, data_dir: Path) -> None:
    settings = make_settings(data_dir, Path(), ratelimit_storage_url="redis://127.0.0.1:1/0")
    create_app({"SETTINGS": settings, "GRADING_QUEUE_FACTORY": FakeQueue})
    try:
        assert isinstance(limiter.storage, RedisStorage)
    finally:
        limiter.init_app(app)  # the limiter is one for every app: count in the database again
    assert isinstance(limiter.storage, DatabaseStorage)
