"""Webhooks: a signed POST to each registered URL when a run's result is final.

``run_finished`` (called by grader.web.jobs once a run's outcome is committed) only writes one
``webhook_deliveries`` row per active webhook; a ``WebhookSender`` thread sends them, never a
request thread and never inside the grading transaction. A delivery is retried with exponential
back-off (``webhook_backoff_s`` doubling up to ``webhook_backoff_max_s``) until the receiver
answers 2xx or ``webhook_max_attempts`` were made; every attempt is recorded on its row. Rows are
claimed with a conditional UPDATE (their ``next_attempt_at`` pushed past the attempt's deadline),
so several processes may send and none sends a row twice at once; a row whose sender died is due
again once that deadline passes, after a restart too.

What a receiver gets (see README "Integrations"): a JSON body holding the event, a ``delivery``
id (the same on every retry: deduplicate on it) and ``timestamp`` (Unix seconds of this attempt),
with the headers ``X-Grader-Event``, ``X-Grader-Delivery``, ``X-Grader-Timestamp`` and
``X-Grader-Signature: sha256=<hex HMAC-SHA256 of the raw body with the webhook's secret>``. The
timestamp is inside the signed body, so a receiver can refuse old replays.

Server-side request forgery: a webhook URL makes this server send requests where an admin says.
Only http and https are accepted, redirects are never followed, an attempt has a deadline and
reads at most ``RESPONSE_CAP`` bytes back, and no proxy from the environment is used. With
``webhook_refuse_private`` set, every address the host resolves to must be public (not loopback,
private, link-local such as 169.254.169.254, shared or reserved): checked on registration and
again on every attempt, and the connection goes to the very address that was checked (no second
lookup a DNS rebinding could answer differently). It is off by default so that an applicant
tracking system on the same network (and the tests, on loopback) can be reached.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from flask import Flask, current_app
from sqlalchemy import update

from grader import __version__
from grader.config import Settings
from grader.errors import InputRejected
from grader.web.db import Run, Webhook, WebhookDelivery, db, utcnow

if TYPE_CHECKING:
    from sqlalchemy.engine import CursorResult

log = logging.getLogger(__name__)

RUN_FINISHED = "run.finished"
SCHEMES = ("http", "https")
RESPONSE_CAP = 64 * 1024  # bytes of a receiver's answer read back; the rest is dropped
ERROR_CAP = 500  # characters of an error (or of the answer's body) kept on the delivery
BATCH = 20  # deliveries claimed per pass of the sender
SENDER = "grader.webhooks"  # app.extensions key of the app's WebhookSender
USER_AGENT = f"flask-grader-webhooks/{__version__}"


class WebhookRefused(InputRejected):
    """Raise when a webhook URL may not be called (scheme, host, or a non-public address)."""


@dataclass(frozen=True)
class Attempt:
    """What one POST to a receiver did: its HTTP status (None: no answer) and what went wrong."""

    status: int | None
    error: str = ""

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def new_secret() -> str:
    """Return a fresh signing secret (shown to the admin once, kept to sign every delivery)."""
    return secrets.token_urlsafe(32)


def sign(secret: str, body: bytes) -> str:
    """Return the X-Grader-Signature value of ``body``: ``sha256=`` + hex HMAC-SHA256."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def backoff_s(attempts: int, *, base_s: float, max_s: float) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt: base, 2 x base, 4 x base..."""
    return float(min(max_s, base_s * 2 ** max(0, attempts - 1)))


def check_url(url: str, *, refuse_private: bool) -> str:
    """Return ``url`` stripped if a webhook may call it; WebhookRefused says why not."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise WebhookRefused(f"{url!r} is not a URL: {exc}") from exc
    if parts.scheme not in SCHEMES:
        raise WebhookRefused("a webhook URL must start with http:// or https://")
    if not parts.hostname:
        raise WebhookRefused("a webhook URL needs a host name: https://ats.example.com/hooks")
    if parts.username or parts.password:
        raise WebhookRefused("a webhook URL may not hold a user name or password")
    if refuse_private:
        _resolve(parts.hostname, port or _default_port(parts.scheme), refuse_private=True)
    return url


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _resolve(host: str, port: int, *, refuse_private: bool) -> list[tuple[Any, ...]]:
    """Return the addresses to try for ``host``; with ``refuse_private`` all must be public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:  # UnicodeError: a label IDNA cannot encode
        raise WebhookRefused(f"the host {host!r} cannot be resolved ({exc})") from exc
    if refuse_private:
        private = sorted({str(info[4][0]) for info in infos if not _is_public(str(info[4][0]))})
        if private:
            raise WebhookRefused(
                f"the host {host!r} resolves to a non-public address ({', '.join(private)}), "
                "which this server refuses to call (setting webhook_refuse_private)"
            )
    return infos


def _connect_checked(
    address: tuple[str, int],
    timeout: Any = None,
    source_address: Any = None,
    *,
    refuse_private: bool,
) -> socket.socket:
    """Connect to an address of ``address``'s host that ``_resolve`` allowed (the very one
    checked: no second lookup)."""
    host, port = address
    last: OSError | None = None
    for family, kind, proto, _, sockaddr in _resolve(host, port, refuse_private=refuse_private):
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            sock.connect(sockaddr)
        except OSError as exc:
            sock.close()
            last = exc
            continue
        return sock
    raise last or OSError(f"no address of {host!r} answered")


def _connection(
    scheme: str, host: str, port: int, *, timeout_s: float, refuse_private: bool
) -> http.client.HTTPConnection:
    """An HTTP(S) connection whose socket comes from ``_connect_checked``; HTTPS wraps it in
    TLS with the host name (SNI and the certificate check, as by default)."""
    connection: http.client.HTTPConnection
    if scheme == "https":
        context = ssl.create_default_context()
        connection = http.client.HTTPSConnection(host, port, timeout=timeout_s, context=context)
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout_s)
    # http.client's own seam for making the socket (typeshed does not declare it).
    checked = functools.partial(_connect_checked, refuse_private=refuse_private)
    connection._create_connection = checked  # type: ignore[attr-defined]
    return connection


def post(
    url: str, body: bytes, headers: dict[str, str], *, timeout_s: float, refuse_private: bool
) -> Attempt:
    """POST ``body`` to ``url`` once: no redirect followed, done within ``timeout_s``, at most
    RESPONSE_CAP bytes of the answer read; never raises for what the network or receiver did."""
    try:
        check_url(url, refuse_private=False)  # the address is checked when connecting
    except WebhookRefused as exc:
        return Attempt(None, str(exc))
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or _default_port(parts.scheme)
    connection = _connection(
        parts.scheme, host, port, timeout_s=timeout_s, refuse_private=refuse_private
    )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    # A receiver that trickles its answer byte by byte still ends at the deadline.
    cut = threading.Event()  # set before the socket is shut: the error that follows is ours

    def cut_off() -> None:
        cut.set()
        _abort(connection)

    watchdog = threading.Timer(timeout_s, cut_off)
    watchdog.start()
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read(RESPONSE_CAP)
        status = response.status
        location = response.getheader("Location", "")
    except WebhookRefused as exc:
        return Attempt(None, str(exc))
    except (OSError, http.client.HTTPException) as exc:
        if isinstance(exc, TimeoutError) or cut.is_set():
            return Attempt(None, f"no answer within {timeout_s:g} s")
        return Attempt(None, f"{type(exc).__name__}: {exc}"[:ERROR_CAP])
    finally:
        watchdog.cancel()
        connection.close()
    if 200 <= status < 300:
        return Attempt(status)
    if 300 <= status < 400:
        return Attempt(
            status,
            f"HTTP {status}: redirects are not followed; register the final URL "
            f"(Location: {location})"[:ERROR_CAP],
        )
    text = answer.decode("utf-8", "replace").strip()
    return Attempt(status, f"HTTP {status}: {text}"[:ERROR_CAP])


def _abort(connection: http.client.HTTPConnection) -> None:
    """Make a blocked read of ``connection`` return now (the attempt's deadline passed)."""
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


# --- queueing -----------------------------------------------------------------------------


def run_finished(run_id: str) -> int:
    """Queue a ``run.finished`` delivery of the run ``run_id`` to every active webhook and wake
    the sender; return how many were queued. Needs an app context; never raises (a webhook
    problem must not touch the grading it reports)."""
    try:
        queued = _queue_run_finished(run_id)
    except Exception:
        log.exception("could not queue the webhooks of run %s", run_id)
        db.session.rollback()
        return 0
    if queued:
        sender(current_app).wake()
    return queued


def _queue_run_finished(run_id: str) -> int:
    from grader.web.api import run_document  # the API owns how a run is shown

    db.session.rollback()  # a fresh transaction: the run's outcome is already committed
    hooks = db.session.scalars(db.select(Webhook).where(Webhook.revoked_at.is_(None))).all()
    if not hooks:
        return 0
    run = db.session.execute(db.select(Run).filter_by(public_id=run_id)).scalar_one()
    settings: Settings = current_app.extensions["grader"].settings
    document = run_document(run, base_url=settings.public_url)
    now = utcnow()
    for hook in hooks:
        payload = {"event": RUN_FINISHED, "delivery": secrets.token_urlsafe(16), **document}
        db.session.add(
            WebhookDelivery(
                webhook_id=hook.id,
                run_id=run.id,
                event=RUN_FINISHED,
                payload=json.dumps(payload, sort_keys=True),
                next_attempt_at=now,
                created_at=now,
            )
        )
    db.session.commit()
    return len(hooks)


# --- sending ------------------------------------------------------------------------------


def body_of(delivery: WebhookDelivery, timestamp: int) -> bytes:
    """The bytes one attempt sends: the stored payload with this attempt's timestamp."""
    document = json.loads(delivery.payload)
    document["timestamp"] = timestamp
    return json.dumps(document, sort_keys=True).encode("utf-8")


def _waiting() -> tuple[Any, Any]:
    """The condition of a delivery still to attempt (neither delivered nor given up)."""
    return WebhookDelivery.delivered_at.is_(None), WebhookDelivery.next_attempt_at.is_not(None)


def _claim(delivery_id: int, due_at: Any, hold_s: float) -> bool:
    """Take a due delivery for one attempt: push its next attempt past the attempt's deadline."""
    result = db.session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.next_attempt_at == due_at,
            WebhookDelivery.delivered_at.is_(None),
        )
        .values(next_attempt_at=utcnow() + timedelta(seconds=hold_s))
    )
    db.session.commit()
    return cast("CursorResult[Any]", result).rowcount == 1


def attempt(delivery: WebhookDelivery, settings: Settings) -> Attempt:
    """Send ``delivery`` once and record the attempt on its row (delivered, retry, given up)."""
    hook = db.session.get(Webhook, delivery.webhook_id)
    if hook is None or hook.revoked_at is not None:
        delivery.next_attempt_at = None
        delivery.last_error = "the webhook was removed: not sent"
        db.session.commit()
        return Attempt(None, delivery.last_error)
    timestamp = int(time.time())
    body = body_of(delivery, timestamp)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Grader-Event": delivery.event,
        "X-Grader-Delivery": str(json.loads(delivery.payload).get("delivery", "")),
        "X-Grader-Timestamp": str(timestamp),
        "X-Grader-Signature": sign(hook.secret, body),
    }
    outcome = post(
        hook.url,
        body,
        headers,
        timeout_s=settings.webhook_timeout_s,
        refuse_private=bool(settings.webhook_refuse_private),
    )
    delivery.attempts += 1
    delivery.last_status = outcome.status
    delivery.last_error = outcome.error or None
    if outcome.delivered:
        delivery.delivered_at = utcnow()
        delivery.next_attempt_at = None
    elif delivery.attempts >= settings.webhook_max_attempts:
        delivery.next_attempt_at = None  # given up; the row keeps the last error
        log.warning("webhook delivery %s given up: %s", delivery.id, outcome.error)
    else:
        wait_s = backoff_s(
            delivery.attempts,
            base_s=settings.webhook_backoff_s,
            max_s=settings.webhook_backoff_max_s,
        )
        delivery.next_attempt_at = utcnow() + timedelta(seconds=wait_s)
    db.session.commit()
    return outcome


def deliver_due(settings: Settings) -> float | None:
    """Attempt every delivery that is due (claimed first); return seconds until the next one is
    due, or None when none waits. Needs an app context."""
    now = utcnow()
    pending = _waiting()
    due = db.session.execute(
        db.select(WebhookDelivery.id, WebhookDelivery.next_attempt_at)
        .where(*pending, WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(BATCH)
    ).all()
    hold_s = settings.webhook_timeout_s * 2 + 30
    for delivery_id, due_at in due:
        if _claim(delivery_id, due_at, hold_s):
            delivery = db.session.get(WebhookDelivery, delivery_id)
            if delivery is not None:
                attempt(delivery, settings)
    if len(due) == BATCH:
        return 0.0
    upcoming = db.session.scalar(
        db.select(db.func.min(WebhookDelivery.next_attempt_at)).where(*pending)
    )
    db.session.rollback()
    if upcoming is None:
        return None
    return max(0.0, (upcoming - utcnow()).total_seconds())


class WebhookSender:
    """One thread per process that sends due deliveries, woken when this process queues one and
    looking every ``webhook_poll_s`` for those other processes queued."""

    def __init__(self, app: Flask, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (once)."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="grader-webhooks", daemon=True)
            self._thread.start()

    def start_if_needed(self) -> bool:
        """Start when a webhook is registered or a delivery still waits (left by a previous
        process); return whether it runs. Needs an app context."""
        active = db.session.scalar(
            db.select(Webhook.id).where(Webhook.revoked_at.is_(None)).limit(1)
        )
        waiting = db.session.scalar(db.select(WebhookDelivery.id).where(*_waiting()).limit(1))
        db.session.rollback()
        if active is None and waiting is None:
            return False
        self.start()
        return True

    def wake(self) -> None:
        """Send what is due now (starting the thread if needed)."""
        self.start()
        self._wake.set()

    def stop(self, timeout: float | None = 10.0) -> None:
        """Stop after the attempt in flight (at most one webhook_timeout_s)."""
        self._stopping.set()
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        self._thread = None

    def _run(self) -> None:
        poll_s = self.settings.webhook_poll_s
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                with self.app.app_context():
                    wait_s = deliver_due(self.settings)
            except Exception:  # the database may be back at the next pass
                log.exception("sending webhooks failed")
                wait_s = poll_s
            self._wake.wait(poll_s if wait_s is None else min(wait_s, poll_s))


def init_app(app: Flask, settings: Settings) -> None:
    """Give ``app`` its (stopped) sender: ``grader serve`` starts it, as does a queued event."""
    app.extensions[SENDER] = WebhookSender(app, settings)


def sender(app: Flask) -> WebhookSender:
    """The app's WebhookSender."""
    return cast(WebhookSender, app.extensions[SENDER])
