"""The three roles in a real browser against the real app, worker pool and Docker sandbox.

A hiring team adds the routing challenge and invites candidates; candidates upload projects
that are graded in the sandbox; an interviewer reads a report, compares, and re-grades.
Screenshots of the main pages land in tests/artifacts/web/.
"""

from __future__ import annotations

import re
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
import waitress
from flask import Flask

from grader.config import load_settings
from grader.sandbox.docker import LABEL_OWNER, labelled_containers, owner_label
from grader.web import create_app
from grader.web.server import prepare

from .conftest import BANK, zip_folder

pytestmark = [pytest.mark.browser, pytest.mark.docker, pytest.mark.slow]
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "web"
VIEWPORT = {"width": 1280, "height": 860}
ADMIN = ("hiring@example.com", "hiring-team-password")
INTERVIEWER = ("ines@example.com", "interviewer-password")
VALIDATION_S = 300  # seven sandboxed gradings, two at a time, on a loaded machine too
GRADING_S = 120


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Flask]]:
    """The app on waitress in a thread, on a free port, with an empty bank and Docker grading."""
    root = tmp_path_factory.mktemp("e2e")
    (root / "bank").mkdir()
    settings = load_settings(
        environ={},
        overrides={
            "data_dir": root / "data",
            "challenges_dir": root / "bank",  # the hiring team adds the first challenge
            "session_cookie_secure": 0,  # plain HTTP on loopback
            "admin_email": ADMIN[0],
            "admin_password": ADMIN[1],
            "mutants_max": 0,  # mutation testing through the web app: test_grading_queue.py
        },
    )
    app = create_app({"SETTINGS": settings})
    prepare(app)
    wsgi = waitress.create_server(app, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=wsgi.run, name="e2e-waitress", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{wsgi.effective_port}", app
    finally:
        wsgi.close()
        app.extensions["grader"].queue.stop()
    # Stopping the pool removes its warm spares: nothing of this process is left running.
    client = docker.from_env()
    mine = [c for c in labelled_containers(client) if c["Labels"].get(LABEL_OWNER) == owner_label()]
    assert not mine, "the web app's spares outlived its pool"


def _shot(page, name: str, *, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def _sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button:has-text('Sign in')")
    expect(page.locator("h1")).to_have_text("Dashboard")


def _zip_file(name: str, folder: Path, prefix: str | None = None) -> dict:
    return {"name": name, "mimeType": "application/zip", "buffer": zip_folder(folder, prefix)}


def _invite(page, name: str) -> str:
    page.fill("#name", name)
    page.click("button:has-text('Create invite link')")
    expect(page.locator("h1")).to_contain_text(f"Invite link for {name}")
    return page.input_value("#invite-link")


def _submit(page, link: str, sample: str, shot: str | None = None) -> None:
    page.goto(link)
    page.click("a:has-text('Open')")
    folder = BANK / "routing" / "samples" / sample
    page.set_input_files("#files", _zip_file(f"{sample}.zip", folder))
    page.click("button:has-text('Upload and grade')")
    status = page.locator("#status .badge")
    expect(status).to_have_text(re.compile("queued|running|graded"))
    if shot:
        _shot(page, shot)
    # No reload from here: the page follows the grading by itself.
    expect(status).to_have_text("graded", timeout=GRADING_S * 1000)


def test_hiring_team_candidates_and_interviewer(server, browser, tmp_path: Path) -> None:
    base, _app = server
    errors: list[str] = []

    def watch(page) -> None:
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on(
            "response",
            lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )

    # --- the hiring team adds the challenge, proves it, publishes it ---------------------
    admin_context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    admin = admin_context.new_page()
    watch(admin)
    admin.goto(f"{base}/login")
    _shot(admin, "01-sign-in")
    _sign_in(admin, base, *ADMIN)
    admin.click("nav >> text=Challenges")
    admin.set_input_files("#archive", _zip_file("routing.zip", BANK / "routing", "routing"))
    _shot(admin, "02-challenges-upload")
    admin.click("button:has-text('Upload and validate')")
    expect(admin.locator("h1")).to_contain_text("URL routing")
    _shot(admin, "03-validation-running")
    validation = admin.locator("h2:has-text('Validation') .badge")
    expect(validation).to_have_text("passed", timeout=VALIDATION_S * 1000)
    expect(admin.locator("td:has-text('reference scores 100 on 3 runs')")).to_be_visible()
    _shot(admin, "04-validation-passed")
    admin.click("button:has-text('Publish this version')")
    expect(admin.locator(".flash")).to_contain_text("is published")

    # ... creates an interviewer account and an assessment, and invites two candidates.
    admin.click("nav >> text=Staff")
    admin.fill("#email", INTERVIEWER[0])
    admin.fill("#name", "Ines Interviewer")
    admin.fill("#password", INTERVIEWER[1])
    admin.click("button:has-text('Create account')")
    expect(admin.locator(".notice-ok")).to_contain_text(INTERVIEWER[0])
    admin.click("nav >> text=New assessment")
    admin.fill("#name", "Backend engineer, spring round")
    admin.check("input[value='routing']")
    _shot(admin, "05-new-assessment")
    admin.click("button:has-text('Create assessment')")
    expect(admin.locator("h1")).to_contain_text("Backend engineer, spring round")
    alice_link = _invite(admin, "Alice Example")
    _shot(admin, "06-invite-link")
    admin.click("a:has-text('Back to the assessment')")
    bob_link = _invite(admin, "Bob Example")
    assert alice_link != bob_link and "/invite/" in alice_link

    # --- a candidate opens the link, takes the starter, submits, reads the feedback ---------
    alice_context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    alice = alice_context.new_page()
    watch(alice)
    alice.goto(alice_link)
    expect(alice.locator("h1")).to_have_text("Backend engineer, spring round")
    _shot(alice, "07-candidate-home")
    alice.click("a:has-text('Open')")
    _shot(alice, "08-candidate-challenge", full_page=False)  # the statement is long
    with alice.expect_download() as download:
        alice.click("a:has-text('Download the starter')")
    starter = tmp_path / "starter.zip"
    download.value.save_as(starter)
    names = zipfile.ZipFile(starter).namelist()
    assert any(n.startswith("routing/") and n.endswith(".py") for n in names)
    _submit(alice, alice_link, "strong_but_imperfect", shot="09-candidate-queued")
    feedback = alice.frame_locator("iframe.report")
    expect(feedback.locator("body")).to_contain_text("visible", timeout=10_000)
    _shot(alice, "10-candidate-result")
    score = float(alice.locator("dd strong").first.inner_text())
    assert 80 <= score <= 98

    bob_context = browser.new_context(viewport=VIEWPORT)
    bob = bob_context.new_page()
    watch(bob)
    _submit(bob, bob_link, "happy_path_only")

    # --- an interviewer reviews, compares and re-grades ------------------------------------
    ines_context = browser.new_context(viewport=VIEWPORT)
    ines = ines_context.new_page()
    watch(ines)
    _sign_in(ines, base, *INTERVIEWER)
    expect(ines.locator("text=Alice Example").first).to_be_visible()
    _shot(ines, "11-interviewer-dashboard")
    ines.click("h2 a:has-text('Backend engineer, spring round')")
    _shot(ines, "12-assessment")
    ines.check("input[aria-label='Compare Alice Example']")
    ines.check("input[aria-label='Compare Bob Example']")
    ines.click("button:has-text('Compare selected')")
    expect(ines.locator("h1")).to_have_text("Compare candidates")
    _shot(ines, "13-compare")
    ines.click("th a:has-text('Alice Example')")
    ines.click("td a >> nth=0")
    report = ines.frame_locator("iframe.report")
    expect(report.locator("body")).to_contain_text("tests passed", timeout=10_000)
    _shot(ines, "14-interviewer-report")
    ines.click("button:has-text('Re-grade')")
    expect(ines.locator(".flash")).to_contain_text("Re-grade queued")
    expect(ines.locator("dd .badge").first).to_have_text("graded", timeout=GRADING_S * 1000)
    expect(ines.locator("table >> text=re-grade by")).to_have_count(1)
    _shot(ines, "15-regraded-history")
    assert not errors, errors  # no CSP violation, no failed script, no broken resource
    assert ines.goto(f"{base}/admin/challenges").status == 403  # interviewers cannot
    for context in (admin_context, alice_context, bob_context, ines_context):
        context.close()
