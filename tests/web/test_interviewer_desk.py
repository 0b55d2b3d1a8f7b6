"""The interviewer's desk: the submitted code (highlighted, linked, as a zip) and what a
re-grade changed, through the app and in Chromium."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from grader.pipeline import write_outputs
from grader.results import SubmittedFile, TestResult
from grader.web.db import DONE, Run, Submission, User, db, utcnow

from .conftest import (
    ADMIN_EMAIL,
    INTERVIEWER_EMAIL,
    INTERVIEWER_PASSWORD,
    AuthActions,
    World,
    add_interviewer,
    build_world,
    fake_result,
    fresh_data_dir,
    make_app,
    make_settings,
    served_in_thread,
)

APP_PY = (
    "from flask import Flask, abort\n"
    "\n"
    "app = Flask(__name__)\n"
    "\n"
    "\n"
    "@app.get('/plan/<float:x>')\n"
    "def plan(x):\n"
    "    return {'share': 1 / x}  # <script>alert(1)</script>\n"
)
TRACEBACK = (
    "ERROR:app:Exception on /plan/0.0 [GET]\nTraceback (most recent call last):\n"
    '  File "/sandbox/candidate/app/app.py", line 8, in plan\n'
    "ZeroDivisionError: float division by zero\n"
)


def _regraded(candidate: str):
    """A re-grade of the world's result: the hidden test now passes, a test was added."""
    old = fake_result(candidate, 50.0)
    hidden = replace(old.tests[1], outcome="passed", message="")
    added = TestResult(
        id="tests/test_urls.py::test_plan_rejects_zero",
        description="plan/0.0 answers 400, never a 500",
        skill="converters",
        weight=1.0,
        outcome="failed",
        message="assert 500 == 400",
        duration_s=0.02,
        visible=False,
    )
    return replace(
        old,
        score=80.0,
        reason="2 of 3 tests passed",
        challenge_version="fedcba9876543210",
        grader_version="0.2.0",
        tests=(old.tests[0], hidden, added),
        files=(SubmittedFile("app.py", len(APP_PY), APP_PY),),
        app_log=TRACEBACK,
        timings={"suite_s": 2.5},
    )


def add_regrade(app: Flask, submission_id: str) -> str:
    """Record a finished re-grade of a submission (with files in its result); return its id."""
    settings = app.extensions["grader"].settings
    with app.app_context():
        submission = db.session.scalar(db.select(Submission).filter_by(public_id=submission_id))
        staff = db.session.scalar(db.select(User).filter_by(email=ADMIN_EMAIL))
        run = Run(
            submission=submission,
            version=submission.runs[0].version,
            state=DONE,
            result_status="graded",
            score=80.0,
            reason="2 of 3 tests passed",
            requested_by=staff,
            finished_at=utcnow(),
        )
        db.session.add(run)
        db.session.flush()
        run.result_dir = f"runs/{run.public_id}"
        write_outputs(
            _regraded(submission.invite.candidate_name), settings.data_dir / run.result_dir
        )
        db.session.commit()
        return run.public_id


def test_staff_download_the_submission_as_a_zip(
    client: FlaskClient, auth: AuthActions, world: World
) -> None:
    auth.login_interviewer()
    response = client.get(f"/submissions/{world.submission_a}/download")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = archive.namelist()
        assert len(names) == 1 and names[0].endswith("/app.py")
        assert archive.read(names[0]) == b"app = None\n"


def test_a_candidate_link_cannot_download_the_code(client: FlaskClient, world: World) -> None:
    own = client.get(f"/invite/{world.token_a}/submissions/{world.submission_a}/download")
    assert own.status_code == 404
    staff = client.get(f"/submissions/{world.submission_a}/download")
    assert staff.status_code == 302 and staff.headers["Location"].startswith("/login")


def test_history_links_a_regrade_to_what_changed(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    regrade = add_regrade(app, world.submission_a)
    auth.login_interviewer()
    page = client.get(f"/runs/{world.run_a}").get_data(as_text=True)
    assert f"/runs/{regrade}/changes" in page  # from the history of the older run too
    changes = client.get(f"/runs/{regrade}/changes").get_data(as_text=True)
    assert "50" in changes and "80" in changes and "(+30)" in changes
    assert 'data-kind="fixed"' in changes and 'data-kind="added"' in changes
    assert "0123456789abcdef" in changes and "fedcba9876543210" in changes
    assert client.get(f"/runs/{world.run_a}/changes").status_code == 404  # nothing before it
    other = client.get(f"/runs/{regrade}/changes?against={world.run_b}")
    assert other.status_code == 404  # another candidate's grading is not "this submission"


def test_report_page_shows_the_code_with_links_from_the_log(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    regrade = add_regrade(app, world.submission_a)
    auth.login_interviewer()
    report = client.get(f"/runs/{regrade}/report").get_data(as_text=True)
    assert 'data-file="app.py"' in report
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report
    assert "<script>alert(1)" not in report
    assert "data-code-link>File &#34;/sandbox/candidate/app/app.py&#34;, line 8</a>" in report


# -- in Chromium --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, bank: Path
) -> Iterator[tuple[str, World, str]]:
    """The app on waitress in a thread (no grading), with the world and one re-grade."""
    with fresh_data_dir(tmp_path_factory.mktemp("desk")) as path:
        app = make_app(make_settings(path, bank))
        add_interviewer(app)
        world = build_world(app)
        regrade = add_regrade(app, world.submission_a)
        with served_in_thread(app) as base:
            yield base, world, regrade


@pytest.fixture
def staff_page(browser, served):
    base = served[0]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}/login")
    page.fill("#email", INTERVIEWER_EMAIL)
    page.fill("#password", INTERVIEWER_PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{base}/dashboard")
    yield page
    # A report is served sandboxed without scripts: Chromium logs each of Playwright's own
    # probes into it as blocked. Anything else is a fault of the page.
    assert [e for e in errors if "the 'allow-scripts' permission is not set" not in e] == []
    context.close()


@pytest.mark.browser
def test_browser_follows_the_history_to_what_changed(staff_page, served) -> None:
    base, world, regrade = served
    page = staff_page
    page.goto(f"{base}/runs/{world.run_a}")
    page.click("[data-history-changes]")
    page.wait_for_url(f"{base}/runs/{regrade}/changes")
    assert "(+30)" in page.locator("[data-diff-score]").inner_text()
    fixed = page.locator("tr[data-kind='fixed']")
    assert fixed.count() == 1
    assert "test_hidden_secret_converter_rule" in fixed.inner_text()
    assert fixed.locator(".badge").all_inner_texts() == ["Failed", "Passed"]
    assert page.locator("tr[data-kind='added']").count() == 1
    changed = page.locator("[data-diff-provenance] tr[data-changed]").all_inner_texts()
    assert any("Challenge version" in row for row in changed)
    assert any("Grader version" in row for row in changed)


@pytest.mark.browser
def test_browser_shows_highlighted_code_and_jumps_from_the_log(staff_page, served) -> None:
    base, _world, regrade = served
    page = staff_page
    page.goto(f"{base}/runs/{regrade}/report")
    code = page.locator("[data-file='app.py'] table.code")
    assert code.locator("tr").count() == 8
    keyword = code.locator("span.hl-k").first  # "def", coloured by the highlighter
    assert keyword.inner_text() == "def"
    assert keyword.evaluate("e => getComputedStyle(e).color") != "rgb(31, 35, 40)"  # not ink
    # Hostile text is shown as text: no element came from the file.
    assert page.locator("[data-file='app.py'] script").count() == 0
    page.click("pre[data-log] a[data-code-link]")
    assert page.url.endswith("-L8")
    target = page.locator("tr:target")
    assert "1 / x" in target.inner_text()
    assert target.locator("td.src").evaluate("e => getComputedStyle(e).backgroundColor") == (
        "rgb(255, 248, 197)"
    )
    assert target.is_visible()
