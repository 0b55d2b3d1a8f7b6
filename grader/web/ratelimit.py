"""Rate limits of sign-in and invite links (Flask-Limiter), counted in the database or Redis.

What is limited (the windows are settings in grader.config; each longer window makes the wait
grow):

- every sign-in attempt, per client address (``ratelimit_sign_in_address``): stops one client
  guessing passwords or trying many e-mails;
- failed sign-ins, per account over all addresses (``ratelimit_sign_in_account``): slows a
  guesser spread over many addresses. It is never a lockout: a right password from an address
  with no failed sign-in in ``ratelimit_failing_address_s`` passes even when the account is over
  its limit, so an attacker elsewhere cannot keep the real user out;
- unknown invite links, per client address (``ratelimit_invite_guesses``).

Counters are fixed windows in the app's database (``DatabaseStorage``, table ``rate_limits``):
they survive a restart and every web process shares them. ``ratelimit_storage_url`` puts them in
Redis instead.
"""

from __future__ import annotations

import hashlib
import math
import time

from flask import Flask, g
from flask.wrappers import Response
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, RateLimitItemPerSecond, parse_many
from limits.storage import Storage
from sqlalchemy import case, delete, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from grader.config import Settings
from grader.errors import InputRejected
from grader.web.db import RateLimitCounter, db, hash_token
from grader.web.jobs import state

DATABASE_STORAGE_URL = "grader-database://"
MAX_KEY_LENGTH = 255  # RateLimitCounter.key
LIMIT_SETTINGS = (
    "ratelimit_sign_in_address", "ratelimit_sign_in_account", "ratelimit_invite_guesses",
    "ratelimit_api",
)  # fmt: skip
# One limiter for every app, as `db` is: its counters are the current app's (the database
# storage asks Flask-SQLAlchemy for the current app's engine on every call).
limiter = Limiter(get_remote_address, key_prefix="grader")


class DatabaseStorage(Storage):
    """Fixed-window counters in the current app's database (SQLite or PostgreSQL).

    Each increment is one atomic upsert, so concurrent web processes count every hit.
    """

    STORAGE_SCHEME = ["grader-database"]  # noqa: RUF012 (read by limits' storage registry)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to the counter, starting a new window of ``expiry`` s if it ended."""
        now = time.time()
        row, engine = RateLimitCounter, db.engine
        dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
        ended = row.expires_at <= now
        upsert = (
            dialect.insert(row)
            .values(key=_short(key), count=amount, expires_at=now + expiry)
            .on_conflict_do_update(
                index_elements=[row.key],
                set_={
                    "count": case((ended, amount), else_=row.count + amount),
                    "expires_at": case((ended, now + expiry), else_=row.expires_at),
                },
            )
            .returning(row.count)
        )
        with engine.begin() as connection:
            count = int(connection.execute(upsert).scalar_one())
            if count == amount:  # a new window: drop the counters whose windows ended
                connection.execute(delete(row).where(row.expires_at <= now))
        return count

    def get(self, key: str) -> int:
        """The counter's hits in its current window (0 when it ended)."""
        row = RateLimitCounter
        query = select(row.count).where(row.key == _short(key), row.expires_at > time.time())
        with db.engine.connect() as connection:
            return int(connection.execute(query).scalar() or 0)

    def get_expiry(self, key: str) -> float:
        """When the counter's window ends (now when it has none)."""
        now = time.time()
        row = RateLimitCounter
        query = select(row.expires_at).where(row.key == _short(key), row.expires_at > now)
        with db.engine.connect() as connection:
            return float(connection.execute(query).scalar() or now)

    def check(self) -> bool:
        """Whether the database answers."""
        try:
            with db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        """Drop every counter."""
        with db.engine.begin() as connection:
            return connection.execute(delete(RateLimitCounter)).rowcount

    def clear(self, key: str) -> None:
        """Drop one counter."""
        with db.engine.begin() as connection:
            connection.execute(delete(RateLimitCounter).where(RateLimitCounter.key == _short(key)))


def _short(key: str) -> str:
    return key if len(key) <= MAX_KEY_LENGTH else hashlib.sha256(key.encode()).hexdigest()


def _limits(name: str, value: str) -> list[RateLimitItem]:
    try:
        items = parse_many(value)
    except ValueError as exc:
        raise InputRejected(
            f"setting {name!r}: {value!r} is not a list of limits like '5 per minute; 20 per hour'"
        ) from exc
    if not items:
        raise InputRejected(f"setting {name!r} is empty: give at least one limit")
    return items


def init_app(app: Flask, settings: Settings) -> None:
    """Check the limit settings and count on the configured storage."""
    for name in LIMIT_SETTINGS:
        _limits(name, getattr(settings, name))
    app.config.setdefault(
        "RATELIMIT_STORAGE_URI", settings.ratelimit_storage_url or DATABASE_STORAGE_URL
    )
    limiter.init_app(app)


def sign_in_address_limits() -> str:
    """The limits on sign-in attempts from one address (the current app's setting)."""
    return state().settings.ratelimit_sign_in_address


def invite_guess_limits() -> str:
    """The limits on unknown invite links from one address (the current app's setting)."""
    return state().settings.ratelimit_invite_guesses


def mark_unknown_invite() -> None:
    """Count this request against its address's invite-guess limit."""
    g.grader_unknown_invite = True


def is_unknown_invite(response: Response) -> bool:
    """Whether this request tried an invite link that opens nothing."""
    return bool(g.get("grader_unknown_invite", False))


def _account_key(email: str) -> str:
    return f"sign-in-account/{hash_token(email)}"  # no e-mail address in the counters


def _address_key() -> str:
    return f"sign-in-failing/{get_remote_address()}"


def _failing_item() -> RateLimitItem:
    return RateLimitItemPerSecond(1, state().settings.ratelimit_failing_address_s)


def account_wait_s(email: str) -> int:
    """Seconds until failed sign-ins to this account are under every limit again (0: now)."""
    strategy = limiter.limiter
    now = time.time()
    waits = [
        math.ceil(stats.reset_time - now)
        for item in _limits("ratelimit_sign_in_account", state().settings.ratelimit_sign_in_account)
        if (stats := strategy.get_window_stats(item, "grader", _account_key(email))).remaining == 0
    ]
    return max([1, *waits]) if waits else 0


def address_is_failing() -> bool:
    """Whether this client's address had a failed sign-in recently (to any account)."""
    stats = limiter.limiter.get_window_stats(_failing_item(), "grader", _address_key())
    return stats.remaining == 0


def record_failed_sign_in(email: str) -> None:
    """Count a wrong password against the account and mark this address as failing."""
    strategy = limiter.limiter
    for item in _limits("ratelimit_sign_in_account", state().settings.ratelimit_sign_in_account):
        strategy.hit(item, "grader", _account_key(email))
    strategy.hit(_failing_item(), "grader", _address_key())


def retry_after_s() -> int:
    """Seconds until the limit this request broke lets it through again."""
    breached = limiter.current_limit
    if breached is None:
        return 1
    return max(1, math.ceil(breached.window.reset_time - time.time()))
