"""Running a hiring round: invites by e-mail (a real SMTP server on loopback), bulk invites
from a CSV, candidates' timers and grace period, managing the window, the audit trail, read-only
access after the close, and one grading at a time per candidate under real parallel requests."""

from __future__ import annotations

import io
import re
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import encode_multipart

from grader.config import Settings
from grader.web.db import QUEUED, Assessment, AssessmentEvent, Invite, Run, db, utcnow
from grader.web.invite_csv import parse_invite_csv
from grader.web.mail import mailer, parse_smtp_url

from .conftest import (
    CSRF_META,
    AuthActions,
    World,
    add_interviewer,
    build_world,
    make_app,
    make_settings,
    post,
    served_in_thread,
)
from .test_candidate import APP_PY, upload


class Inbox:
    """What the loopback SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(
            (list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 OK"


class RefusingInbox(Inbox):
    async def handle_RCPT(self, server, session, envelope, address, options) -> str:
        return "550 5.1.1 mailbox unavailable"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on loopback (aiosmtpd) and what it received."""
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _mail_app(data_dir: Path, bank: Path, port: int, **overrides: object) -> Flask:
    settings = make_settings(
        data_dir, bank, smtp_url=f"smtp://127.0.0.1:{port}", mail_from="hiring@example.com",
        **overrides,
    )  # fmt: skip
    return make_app(settings)


def _text(message: Message) -> str:
    part = message.get_body(preferencelist=("plain",))  # type: ignore[attr-defined]
    return part.get_content()


def _set_assessment(app: Flask, **values: object) -> None:
    with app.app_context():
        assessment = db.session.scalars(db.select(Assessment)).first()
        for key, value in values.items():
            setattr(assessment, key, value)
        db.session.commit()


def _set_invite(app: Flask, public_id: str, **values: object) -> None:
    with app.app_context():
        invite = db.session.scalar(db.select(Invite).filter_by(public_id=public_id))
        for key, value in values.items():
            setattr(invite, key, value)
        db.session.commit()


# --- e-mail and CSV -----------------------------------------------------------------------


def test_smtp_url_is_read_with_its_security() -> None:
    assert parse_smtp_url("smtp://u:p%40ss@mail:587?starttls=1").security == "starttls"
    assert parse_smtp_url("smtp://u:p%40ss@mail:587?starttls=1").password == "p@ss"
    assert parse_smtp_url("smtps://mail").port == 465
    with pytest.raises(Exception, match="smtp://"):
        parse_smtp_url("http://mail")


def test_a_csv_is_checked_row_by_row() -> None:
    data = (
        b"name,email\r\n"
        b"Ada,ada@example.com\r\n"
        b'=HYPERLINK("x"),formula@example.com\r\n'
        b",nobody@example.com\r\n"
        b"Bob,not-an-address\r\n"
        b"Ada again,ADA@example.com\r\n"
        b"Ctl\x07,ctl@example.com\r\n"
        b"Three,three@example.com,extra\r\n"
    )
    found = parse_invite_csv(data, max_rows=50)
    assert [(name, email) for _, name, email in found.candidates] == [
        ("Ada", "ada@example.com"),
        ('=HYPERLINK("x")', "formula@example.com"),  # kept as text: harmless
    ]
    assert [line for line, _ in found.errors] == [4, 5, 7, 8]
    assert "name is empty" in found.errors[0][1]
    assert found.duplicates == [(6, "ADA@example.com")]


def test_a_csv_over_the_row_cap_is_refused() -> None:
    rows = "".join(f"C{n},c{n}@example.com\n" for n in range(4))
    with pytest.raises(ValueError, match="more than 3"):
        parse_invite_csv(f"name,email\n{rows}".encode(), max_rows=3)


def test_csv_invites_are_mailed_with_a_working_link(
    data_dir: Path, bank: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    app = _mail_app(data_dir, bank, port)
    world = build_world(app)
    client = app.test_client()
    AuthActions(client).login()
    csv_file = b"name,email\nCara Candidate,cara@example.com\nDan,dan@example.com\n"
    response = post(
        client,
        f"/assessments/{world.assessment}".replace("/assessments", "/admin/assessments")
        + "/invites.csv",
        {"csv": (io.BytesIO(csv_file), "people.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    with app.app_context():
        mailer().join()
    assert sorted(rcpt for rcpt, _ in inbox.messages) == [["cara@example.com"], ["dan@example.com"]]
    _rcpt, message = next(m for m in inbox.messages if m[0] == ["cara@example.com"])
    assert message["Subject"] == "Your coding assessment: Backend round"
    assert message["From"] == "hiring@example.com"
    body = _text(message)
    assert "UTC" in body and "Hello Cara Candidate" in body
    assert message.get_body(preferencelist=("html",)) is not None  # type: ignore[attr-defined]
    link = re.search(r"http://localhost(/invite/\S+)", body)
    assert link, body
    page = app.test_client().get(link.group(1))
    assert page.status_code == 200 and "Cara Candidate" in page.get_data(as_text=True)
    assessment_page = client.get(f"/assessments/{world.assessment}").get_data(as_text=True)
    assert assessment_page.count("badge-sent") == 2
    assert "invited" in assessment_page and "Cara Candidate &lt;cara@example.com&gt; (CSV)" in (
        assessment_page
    )

    # A reminder carries the same link; re-uploading the file invites nobody twice.
    with app.app_context():
        cara = db.session.scalar(db.select(Invite).filter_by(email="cara@example.com"))
        cara_id = cara.public_id
    assert post(client, f"/admin/invites/{cara_id}/remind").status_code == 302
    with app.app_context():
        mailer().join()
    reminder = inbox.messages[-1][1]
    assert reminder["Subject"].startswith("Reminder:")
    assert link.group(1) in _text(reminder)
    again = post(
        client,
        f"/admin/assessments/{world.assessment}/invites.csv",
        {"csv": (io.BytesIO(csv_file), "people.csv")},
        content_type="multipart/form-data",
    )
    assert again.status_code == 201 and "Skipped as already invited" in again.get_data(True)


def test_a_refused_recipient_shows_as_failed_with_the_smtp_answer(
    data_dir: Path, bank: Path
) -> None:
    port = _free_port()
    controller = Controller(RefusingInbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app = _mail_app(data_dir, bank, port)
        world = build_world(app)
        client = app.test_client()
        AuthActions(client).login()
        response = post(
            client,
            f"/admin/assessments/{world.assessment}/invites",
            {"name": "Eve", "email": "eve@example.com"},
        )
        assert response.status_code == 201
        with app.app_context():
            mailer().join()
            eve = db.session.scalar(db.select(Invite).filter_by(email="eve@example.com"))
            assert eve.email_status == "failed"
            assert "550" in (eve.email_error or "")
    finally:
        controller.stop()


def test_a_csv_with_a_bad_row_invites_nobody_and_names_the_line(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    auth.login()
    response = post(
        client,
        f"/admin/assessments/{world.assessment}/invites.csv",
        {"csv": (io.BytesIO(b"name,email\nOk,ok@example.com\nBad,bad\n"), "x.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert '<td class="num">3</td>' in page and "is not an email address" in page
    with app.app_context():
        assert db.session.scalar(db.select(Invite).filter_by(email="ok@example.com")) is None


# --- timers, grace, closing (bugs 2, 3, 5) ------------------------------------------------


def test_the_time_budget_runs_from_first_opening_and_is_enforced(
    app: Flask, client: FlaskClient, world: World
) -> None:
    _set_assessment(app, time_budget_minutes=30)
    page = client.get(f"/invite/{world.token_a}").get_data(as_text=True)
    assert "data-countdown" in page and "until " in page  # the no-script text: the UTC deadline
    with app.app_context():
        invite = db.session.scalar(db.select(Invite).filter_by(public_id=world.invite_a))
        assert invite.started_at is not None
        assert invite.deadline() == invite.started_at + timedelta(minutes=30)
    # Budget spent: past the deadline and the grace period, the upload is refused with why.
    _set_invite(app, world.invite_a, started_at=utcnow() - timedelta(minutes=33))
    response = upload(client, world.token_a, [(APP_PY, "app.py")])
    assert response.status_code == 403
    assert "time budget of 30 minutes ran out" in response.get_data(as_text=True)
    # Staff give ten more minutes: accepted again.
    auth = AuthActions(client)
    auth.login()
    extended = post(client, f"/admin/invites/{world.invite_a}/extend", {"minutes": "10"})
    assert extended.status_code == 302
    auth.logout()
    assert upload(client, world.token_a, [(APP_PY, "app.py")]).status_code == 302


def test_an_upload_within_the_grace_period_is_accepted(
    app: Flask, client: FlaskClient, world: World
) -> None:
    """Bug 3: a page opened before the close; the upload lands a minute after it."""
    page = client.get(f"/invite/{world.token_a}/challenges/routing").get_data(as_text=True)
    assert "data-countdown" in page
    _set_assessment(app, closes_at=utcnow() - timedelta(minutes=1))
    assert upload(client, world.token_a, [(APP_PY, "app.py")]).status_code == 302
    _set_assessment(app, closes_at=utcnow() - timedelta(minutes=3))
    late = upload(client, world.token_a, [(APP_PY, "app.py")])
    assert late.status_code == 403 and "window closed" in late.get_data(as_text=True)


def test_after_the_close_candidates_still_read_their_results(
    app: Flask, client: FlaskClient, world: World
) -> None:
    """Bug 2: home, submission and feedback answer 200 with a notice; uploads are refused."""
    _set_assessment(app, closes_at=utcnow() - timedelta(hours=1))
    base = f"/invite/{world.token_a}"
    home = client.get(base)
    assert home.status_code == 200 and "Uploads closed at" in home.get_data(as_text=True)
    submission = client.get(f"{base}/submissions/{world.submission_a}")
    assert submission.status_code == 200
    assert "You can still read" in submission.get_data(as_text=True)
    assert client.get(f"{base}/submissions/{world.submission_a}/feedback").status_code == 200
    challenge = client.get(f"{base}/challenges/routing")
    assert challenge.status_code == 200 and "Upload and grade" not in challenge.get_data(True)
    assert upload(client, world.token_a, [(APP_PY, "app.py")]).status_code == 403


def test_a_closed_assessment_offers_no_invites_and_can_be_extended(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    """Bug 5: no "Invite a candidate" nor "New link" once closed; the window is extended."""
    auth.login()
    assert post(client, f"/admin/assessments/{world.assessment}/close").status_code == 302
    page = client.get(f"/assessments/{world.assessment}").get_data(as_text=True)
    assert "Invite a candidate" not in page and "New link" not in page
    assert "extend its window" in page
    refused = post(client, f"/admin/assessments/{world.assessment}/invites", {"name": "Late"})
    assert refused.status_code == 409 and "extend its window first" in refused.get_data(True)
    assert post(client, f"/admin/invites/{world.invite_a}/reissue").status_code == 409

    assert (
        post(client, f"/admin/assessments/{world.assessment}/extend", {"hours": "2"}).status_code
        == 302
    )
    page = client.get(f"/assessments/{world.assessment}").get_data(as_text=True)
    assert "Invite a candidate" in page and "New link" in page
    invited = post(client, f"/admin/assessments/{world.assessment}/invites", {"name": "Late"})
    assert invited.status_code == 201
    with app.app_context():
        actions = [e.action for e in db.session.scalars(db.select(AssessmentEvent))]
    assert actions == ["closed early", "extended window", "invited"]


def test_edit_and_archive_are_audited(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    auth.login()
    form = client.get(f"/admin/assessments/{world.assessment}/edit")
    assert form.status_code == 200
    with app.app_context():
        assessment = db.session.scalars(db.select(Assessment)).first()
        opens, closes = assessment.opens_at, assessment.closes_at
    response = post(
        client,
        f"/admin/assessments/{world.assessment}/edit",
        {
            "name": "Backend round (spring)",
            "opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (closes + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "budget": "custom",
            "budget_minutes": "45",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert post(client, f"/admin/assessments/{world.assessment}/archive").status_code == 302
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Backend round (spring)" not in dashboard and "archived (1)" in dashboard
    assert "Backend round (spring)" in client.get("/dashboard?archived=1").get_data(True)
    page = client.get(f"/assessments/{world.assessment}").get_data(as_text=True)
    assert "Backend round → Backend round (spring)" in page
    assert "none → 45 min" in page and "archived" in page
    with app.app_context():
        assert db.session.scalars(db.select(Assessment)).first().time_budget_minutes == 45


def test_interviewers_cannot_manage_a_round(
    client: FlaskClient, auth: AuthActions, world: World
) -> None:
    auth.login_interviewer()
    assert post(client, f"/admin/assessments/{world.assessment}/close").status_code == 403
    assert (
        post(client, f"/admin/invites/{world.invite_a}/extend", {"minutes": "5"}).status_code == 403
    )


# --- one grading at a time, under real parallel requests (bug 6) ---------------------------


@pytest.fixture
def served(settings_db: Settings) -> Iterator[tuple[str, Flask, World]]:
    """The app on waitress with eight threads, on SQLite and on PostgreSQL."""
    app = make_app(settings_db)
    add_interviewer(app)
    world = build_world(app)
    try:
        with served_in_thread(app, threads=8) as base:
            yield base, app, world
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


class _Browser:
    """A cookie-keeping HTTP client for one session (urllib, no redirects followed)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookie = ""

    def request(self, path: str, data: bytes | None = None, headers: dict | None = None) -> int:
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        if self.cookie:
            request.add_header("Cookie", self.cookie)
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=60) as response:
                self._keep(response)
                self.last = response.read().decode()
                return response.status
        except urllib.error.HTTPError as exc:
            self._keep(exc)
            self.last = exc.read().decode()
            return exc.code

    def _keep(self, response) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookie = header.split(";", 1)[0]

    def csrf(self, path: str) -> str:
        assert self.request(path) == 200, self.last
        match = CSRF_META.search(self.last)
        assert match
        return match.group(1)

    def post_form(self, path: str, fields: dict, files: dict | None = None) -> int:
        boundary, body = encode_multipart({**fields, **(files or {})})
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        return self.request(path, body, headers)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def _in_parallel(count: int, action) -> list[int]:
    barrier = threading.Barrier(count)
    statuses: list[int] = []

    def run() -> None:
        barrier.wait()
        statuses.append(action())

    threads = [threading.Thread(target=run) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return sorted(statuses)


def _pending_runs(app: Flask) -> int:
    with app.app_context():
        return len(db.session.scalars(db.select(Run).filter_by(state=QUEUED)).all())


def test_four_parallel_uploads_from_one_candidate_make_one_grading(served) -> None:
    base, app, world = served
    candidate = _Browser(base)
    token = candidate.csrf(f"/invite/{world.token_a}")
    path = f"/invite/{world.token_a}/challenges/routing/submissions"

    def send() -> int:
        from werkzeug.datastructures import FileStorage

        file = FileStorage(io.BytesIO(APP_PY), filename="app.py", name="files")
        return candidate.post_form(path, {"csrf_token": token}, {"files": file})

    assert _in_parallel(4, send) == [302, 409, 409, 409]
    assert _pending_runs(app) == 1


def test_three_parallel_regrades_make_one_run(served) -> None:
    base, app, world = served
    staff = _Browser(base)
    from .conftest import ADMIN_EMAIL, ADMIN_PASSWORD

    token = staff.csrf("/login")
    signed_in = staff.post_form(
        "/login", {"csrf_token": token, "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    assert signed_in == 302
    token = staff.csrf("/dashboard")
    path = f"/submissions/{world.submission_a}/regrade"
    assert _in_parallel(3, lambda: staff.post_form(path, {"csrf_token": token})) == [302, 409, 409]
    assert _pending_runs(app) == 1
