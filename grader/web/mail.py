"""Invite and reminder e-mail: messages rendered in the request, sent by one background thread.

A request never waits for the SMTP server: it records the invite's mail as ``queued`` and hands
the rendered message to the app's Mailer, whose thread delivers it with smtplib and records
``sent`` or ``failed`` (with the server's answer) on the invite. A message still queued when the
process stops stays ``queued`` on the assessment page: staff resend it.
"""

from __future__ import annotations

import queue
import smtplib
import ssl
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from flask import Flask, current_app, render_template

from grader.errors import InputRejected
from grader.web.db import Invite, db, utcnow

EXTENSION = "grader.mail"
QUEUED, SENT, FAILED = "queued", "sent", "failed"
MAIL_STATES = (QUEUED, SENT, FAILED)
MAX_ERROR = 2000  # characters of an SMTP error kept on the invite


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to deliver: from GRADER_SMTP_URL."""

    host: str
    port: int
    username: str
    password: str
    security: str  # "ssl" (smtps://), "starttls" or "none"

    @property
    def default_sender(self) -> str:
        return f"grader@{self.host}"


def parse_smtp_url(url: str) -> SmtpServer:
    """Read smtp://user:pass@host:587?starttls=1 or smtps://user:pass@host:465."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise InputRejected(
            f"GRADER_SMTP_URL {parts.scheme or url!r}: write smtp://user:pass@host:587?starttls=1 "
            "or smtps://user:pass@host:465"
        )
    query = parse_qs(parts.query)
    starttls = query.get("starttls", ["0"])[-1].lower() in ("1", "true", "yes")
    security = "ssl" if parts.scheme == "smtps" else "starttls" if starttls else "none"
    try:
        port = parts.port or (465 if security == "ssl" else 587 if starttls else 25)
    except ValueError as exc:
        raise InputRejected(f"GRADER_SMTP_URL: {exc}") from exc
    return SmtpServer(
        host=parts.hostname,
        port=port,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        security=security,
    )


@dataclass(frozen=True)
class Outgoing:
    """One rendered message for one invite."""

    invite_id: str  # the invite's public id, where the delivery status is recorded
    to: str
    subject: str
    text: str
    html: str


def render_message(kind: str, invite: Invite, link: str) -> Outgoing:
    """Render the ``invite`` or ``reminder`` message of ``invite`` (in a request or app context)."""
    assessment = invite.assessment
    subject = (
        f"Your coding assessment: {assessment.name}"
        if kind == "invite"
        else f"Reminder: your coding assessment {assessment.name}"
    )
    values: dict[str, Any] = {
        "kind": kind,
        "invite": invite,
        "assessment": assessment,
        "link": link,
        "deadline": invite.deadline(),
    }
    return Outgoing(
        invite_id=invite.public_id,
        to=invite.email or "",
        subject=subject,
        text=render_template("mail/message.txt", **values),
        html=render_template("mail/message.html", **values),
    )


def build_email(outgoing: Outgoing, sender: str) -> EmailMessage:
    """The MIME message: plain text with an HTML alternative."""
    message = EmailMessage()
    message["Subject"] = outgoing.subject
    message["From"] = sender
    message["To"] = outgoing.to
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(outgoing.text)
    message.add_alternative(outgoing.html, subtype="html")
    return message


def deliver(server: SmtpServer, message: EmailMessage, timeout_s: float) -> None:
    """Send one message; raises smtplib.SMTPException or OSError when it was not accepted."""
    if server.security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            server.host, server.port, timeout=timeout_s, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(server.host, server.port, timeout=timeout_s)
    with client:
        if server.security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if server.username:
            client.login(server.username, server.password)
        client.send_message(message)


class Mailer:
    """Delivers queued messages one at a time from a daemon thread, started on first use."""

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._queue: queue.Queue[Outgoing] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def configured(self) -> bool:
        return bool(self._app.extensions["grader"].settings.smtp_url)

    def send(self, outgoing: Outgoing) -> None:
        """Queue ``outgoing``; its invite must already be marked ``queued`` (see mark_queued)."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="grader-mail", daemon=True)
                self._thread.start()
        self._queue.put(outgoing)

    def join(self) -> None:
        """Wait until every queued message was delivered or failed (tests)."""
        self._queue.join()

    def _work(self) -> None:
        while True:
            outgoing = self._queue.get()
            try:
                with self._app.app_context():
                    self._deliver(outgoing)
            finally:
                self._queue.task_done()

    def _deliver(self, outgoing: Outgoing) -> None:
        settings = self._app.extensions["grader"].settings
        error = ""
        try:
            server = parse_smtp_url(settings.smtp_url)
            message = build_email(outgoing, settings.mail_from or server.default_sender)
            deliver(server, message, settings.mail_timeout_s)
        except (smtplib.SMTPException, OSError, InputRejected, ValueError) as exc:
            error = _describe(exc)
        _record(outgoing.invite_id, error)


def _describe(exc: Exception) -> str:
    """The SMTP server's answer (code and text) or the connection error, for staff to read."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        answers = [f"{to}: {code} {_text(msg)}" for to, (code, msg) in exc.recipients.items()]
        return "recipient refused: " + "; ".join(answers)
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}"


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _record(invite_id: str, error: str) -> None:
    invite = db.session.scalar(db.select(Invite).filter_by(public_id=invite_id))
    if invite is None:
        return
    invite.email_status = FAILED if error else SENT
    invite.email_error = error[:MAX_ERROR] or None
    if not error:
        invite.emailed_at = utcnow()
    db.session.commit()
    db.session.remove()


def mark_queued(invite: Invite) -> None:
    """Record that a message to ``invite`` is on its way (commit it before Mailer.send)."""
    invite.email_status = QUEUED
    invite.email_error = None


def mailer() -> Mailer:
    """The current app's Mailer."""
    found: Mailer = current_app.extensions[EXTENSION]
    return found


def init_app(app: Flask) -> None:
    """Give ``app`` its Mailer (its thread starts with the first message)."""
    app.extensions[EXTENSION] = Mailer(app)
