"""A whole hiring round in a real browser, against the real app, mail server, worker pool and
Docker sandbox, with an applicant tracking system (ATS) listening for webhooks.

The hiring team connects the ATS (an API token and a webhook), creates an assessment with two of
the bank's twelve challenges and invites three candidates from a CSV; the invites arrive at an
SMTP server on loopback. One candidate opens the link from her mail, works against the countdown
and uploads just after her time ran out, within the grace period; the sandbox grades it. The team
closes the window: she still reads her result. The ATS gets one signed ``run.finished`` webhook
and fetches the result document through the API. Screenshots land in tests/artifacts/web/.
"""

from __future__ import annotations

import json
import re
import socket
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message
from pathlib import Path

import docker
import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from grader.config import load_settings
from grader.sandbox.docker import LABEL_OWNER, labelled_containers, owner_label
from grader.web import create_app, webhooks
from grader.web.db import Invite, Submission, db, utcnow
from grader.web.mail import mailer
from grader.web.server import prepare

from .conftest import BANK, fresh_data_dir, served_in_thread, zip_folder
from .test_hiring_round import Inbox
from .test_integrations import Receiver, expected_signature

pytestmark = [pytest.mark.browser, pytest.mark.docker]
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "web"
VIEWPORT = {"width": 1280, "height": 860}
ADMIN = ("lead@example.com", "hiring-lead-password")
ROUND = "Platform engineer, autumn round"
PICKED = ("routing", "flask-basics")  # two of the bank's twelve
BUDGET_MINUTES = 60 + 40  # their time budgets, added up: the form's default
GRACE_S = 120.0
LATE_S = 20  # the upload lands this long after the candidate's deadline
CANDIDATES = (
    ("Ada Lovelace", "ada@example.com"),
    ("Bea Bitdiddle", "bea@example.com"),
    ("Cy Dee", "cy@example.com"),
)
SAMPLE = BANK / "routing" / "samples" / "strong_but_imperfect"  # scores 80 to 98
GRADING_S = 120


@dataclass
class Round:
    """The served app and what stands around it: the mail server and the ATS's receiver."""

    base: str
    app: Flask
    inbox: Inbox
    receiver: Receiver


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on loopback (aiosmtpd) and what it received."""
    received, port = Inbox(), _free_port()
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield received, port
    finally:
        controller.stop()


@pytest.fixture
def ats() -> Iterator[Receiver]:
    """The ATS stand-in: an HTTP server on loopback that records each webhook call."""
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def served(tmp_path: Path, inbox: tuple[Inbox, int], ats: Receiver) -> Iterator[Round]:
    """The app as `grader serve` runs it (the real bank, worker pool and Docker sandbox) on
    waitress in a thread, mailing through the loopback SMTP server."""
    received, smtp_port = inbox
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with fresh_data_dir(tmp_path) as data_dir:
        settings = load_settings(
            environ={},
            overrides={
                "data_dir": data_dir,
                "challenges_dir": BANK,
                "session_cookie_secure": 0,  # plain HTTP on loopback
                "admin_email": ADMIN[0],
                "admin_password": ADMIN[1],
                "smtp_url": f"smtp://127.0.0.1:{smtp_port}",
                "mail_from": "hiring@example.com",
                "public_url": base,  # links in mail and webhook payloads
                "upload_grace_s": GRACE_S,
            },
        )
        app = create_app({"SETTINGS": settings})
        prepare(app)
        try:
            with served_in_thread(app, threads=8, port=port):
                yield Round(base, app, received, ats)
        finally:
            app.extensions["grader"].queue.stop()
            webhooks.sender(app).stop()
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    client = docker.from_env()
    mine = [c for c in labelled_containers(client) if c["Labels"].get(LABEL_OWNER) == owner_label()]
    assert not mine, "the web app's spares outlived its pool"


def _shot(page, name: str, *, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def _wait_for(check, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.1)
    raise AssertionError(f"after {timeout_s} s still no {what}")


def _text(message: Message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[attr-defined]


def _started_earlier(app: Flask, email: str, minutes: float) -> datetime:
    """Move the candidate's first opening ``minutes`` back; return her new deadline."""
    with app.app_context():
        invite = db.session.scalar(db.select(Invite).filter_by(email=email))
        invite.started_at = utcnow() - timedelta(minutes=minutes)
        db.session.commit()
        return invite.deadline()


def _submitted_at(app: Flask, email: str) -> list[datetime]:
    with app.app_context():
        query = db.select(Submission.created_at).join(Invite).filter(Invite.email == email)
        return list(db.session.scalars(query))


def _api_get(url: str, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


def test_a_whole_round_from_invites_to_the_ats(served: Round, browser) -> None:
    base, app = served.base, served.app
    failures: list[str] = []

    def watch(page) -> None:
        page.on("pageerror", lambda e: failures.append(str(e)))
        page.on(
            "response",
            lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )

    # --- the hiring lead signs in and connects the ATS before the round starts -------------
    lead_context = browser.new_context(viewport=VIEWPORT)
    lead = lead_context.new_page()
    watch(lead)
    lead.goto(f"{base}/login")
    lead.fill("#email", ADMIN[0])
    lead.fill("#password", ADMIN[1])
    lead.click("button:has-text('Sign in')")
    expect(lead.locator("h1")).to_have_text("Dashboard")
    lead.click("nav >> text=Integrations")
    lead.fill("#name", "Acme ATS")
    lead.select_option("#scope", "read")
    lead.click("button:has-text('Create token')")
    api_token = lead.input_value("#new-token")
    assert api_token.startswith("fgr_")
    lead.fill("#url", served.receiver.url)
    lead.click("button:has-text('Register webhook')")
    secret = lead.input_value("#new-secret")
    expect(lead.locator("code", has_text=served.receiver.url)).to_be_visible()

    # --- an assessment with two of the twelve challenges ------------------------------------
    lead.click("nav >> text=New assessment")
    expect(lead.locator("input[name='challenges']")).to_have_count(12)
    lead.fill("#name", ROUND)
    for slug in PICKED:
        lead.check(f"input[name='challenges'][value='{slug}']")
    _shot(lead, "round-01-new-assessment")
    lead.click("button:has-text('Create assessment')")
    expect(lead.locator("h1")).to_contain_text(ROUND)
    expect(lead.locator(".sub")).to_contain_text(f"{BUDGET_MINUTES} min from first opening")

    # --- three candidates from a CSV, invited by mail ---------------------------------------
    rows = "".join(f"{name},{email}\n" for name, email in CANDIDATES)
    lead.set_input_files(
        "#csv",
        {
            "name": "candidates.csv",
            "mimeType": "text/csv",
            "buffer": f"name,email\n{rows}".encode(),
        },
    )
    lead.click("button:has-text('Invite from CSV')")
    expect(lead.locator("h1")).to_have_text("3 candidates invited")
    with app.app_context():
        mailer().join()  # every message delivered (or failed) and its status recorded
    assert sorted(rcpt for rcpt, _ in served.inbox.messages) == [[e] for _, e in CANDIDATES]
    lead.click("a:has-text('Back to the assessment')")
    expect(lead.locator("[data-mail-status] .badge")).to_have_text(["sent"] * 3)

    name, email = CANDIDATES[1]
    message = next(m for rcpt, m in served.inbox.messages if rcpt == [email])
    assert message["Subject"] == f"Your coding assessment: {ROUND}"
    link = re.search(rf"{re.escape(base)}/invite/\S+", _text(message))
    assert link, _text(message)

    # --- the candidate opens her link and works against the clock ---------------------------
    bea_context = browser.new_context(viewport=VIEWPORT)
    bea = bea_context.new_page()
    watch(bea)
    bea.goto(link.group(0))
    expect(bea.locator("h1")).to_have_text(ROUND)
    expect(bea.locator(".sub")).to_contain_text(f"Welcome, {name}")
    expect(bea.locator("[data-clock]")).to_contain_text(f"your {BUDGET_MINUTES} minutes from")
    expect(bea.locator("[data-countdown]")).to_have_text(re.compile(r"^1 h 3\d min \d\d s$"))
    bea.click("tr:has-text('URL routing') >> a:has-text('Open')")
    expect(bea.locator("[data-countdown]")).to_be_visible()

    # Her time runs out while the page is open: the server's clock says so, the page does not.
    deadline = _started_earlier(app, email, BUDGET_MINUTES + LATE_S / 60)
    assert deadline < utcnow() < deadline + timedelta(seconds=GRACE_S)
    bea.set_input_files(
        "#files",
        {"name": "routing.zip", "mimeType": "application/zip", "buffer": zip_folder(SAMPLE)},
    )
    bea.click("button:has-text('Upload and grade')")
    expect(bea.locator("h1")).to_have_text("Your submission")
    [landed] = _submitted_at(app, email)
    assert deadline < landed < deadline + timedelta(seconds=GRACE_S)  # accepted in the grace
    expect(bea.locator("[data-closed-notice]")).to_contain_text("Uploads closed at")
    status = bea.locator("#status .badge")
    expect(status).to_have_text(re.compile("queued|running|graded"))
    _shot(bea, "round-02-grace-upload")
    expect(status).to_have_text("graded", timeout=GRADING_S * 1000)  # the page follows it
    seen = bea.locator("dd strong").first.inner_text()
    assert 80 <= float(seen) <= 98, seen

    # --- the lead closes the window; she still reads her result -----------------------------
    lead.reload()
    lead.once("dialog", lambda dialog: dialog.accept())  # "Close … now?"
    lead.click("button:has-text('Close now')")
    expect(lead.locator(".flash")).to_contain_text("The assessment is closed")
    expect(lead.locator("h1 .badge")).to_have_text("closed")

    bea.reload()
    expect(bea.locator("h1")).to_have_text("Your submission")
    expect(bea.locator("#status .badge")).to_have_text("graded")
    expect(bea.locator("dd strong").first).to_have_text(seen)
    expect(bea.locator("[data-closed-notice]")).to_contain_text("You can still read")
    expect(bea.frame_locator("iframe.report").locator("body")).to_contain_text("visible")
    expect(bea.locator("a:has-text('Submit again')")).to_have_count(0)
    _shot(bea, "round-03-result-after-close")
    bea.click(".crumbs a >> nth=1")  # the challenge: readable, no upload form
    expect(bea.locator(".page-head h1")).to_contain_text("URL routing")
    expect(bea.locator("#files")).to_have_count(0)
    bea.click(".crumbs a >> nth=0")  # home: her score on the challenge's row
    expect(bea.locator("tr:has-text('URL routing') td:nth-child(4) strong")).to_have_text(seen)

    # --- the ATS gets one signed webhook and fetches the result ------------------------------
    calls = served.receiver.calls
    _wait_for(lambda: calls, 15, "webhook call")
    time.sleep(1.0)  # room for a wrong second delivery to arrive
    assert len(calls) == 1, [c.body for c in calls]
    call = calls[0]
    assert call.headers["X-Grader-Signature"] == expected_signature(secret, call.body)
    assert call.headers["X-Grader-Event"] == "run.finished"
    payload = json.loads(call.body)
    assert payload["event"] == "run.finished" and payload["run"]["status"] == "graded"
    assert payload["candidate"]["name"] == name and payload["assessment"]["name"] == ROUND
    assert payload["challenge"]["id"] == "routing"
    result_url = payload["run"]["result_url"]
    assert result_url.startswith(f"{base}/api/v1/runs/")
    status_code, document = _api_get(result_url, api_token)
    assert status_code == 200 and document["status"] == "graded"
    assert document["challenge"] == "routing" and document["candidate"] == name
    assert f"{round(document['score'], 2):g}" == seen == f"{round(payload['run']['score'], 2):g}"
    lead.click("nav >> text=Integrations")
    expect(lead.locator("td .badge", has_text="delivered")).to_have_count(1)
    assert not failures, failures  # no script error, no refused page along the way
    lead_context.close()
    bea_context.close()
