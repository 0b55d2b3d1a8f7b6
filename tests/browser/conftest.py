"""Browser fixtures: Debian's Chromium driven by Playwright, and report pages written to files."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from grader.reports import render_assessment, render_candidate, render_index, render_report
from grader.results import Result, SubmittedFile, TestResult
from grader.scoring import score_tests

VIEWPORT = {"width": 1280, "height": 900}
HOSTILE = '<script>alert(1)</script> "><img src=x onerror=alert(1)> {{7*7}} </pre>'


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives Debian's Chromium through Playwright")


# -- results built by hand, shaped like real ones ---------------------------------------------


def _exchange(method: str, path: str, status: int | str, body: str) -> dict[str, Any]:
    return {
        "method": method,
        "url": f"http://127.0.0.1:54999{path}",
        "request_headers": {
            "Connection": "close",
            "Host": "127.0.0.1:54999",
            "User-Agent": "grader-testkit",
        },
        "request_body": '{"name": "Launch"}' if method == "POST" else "",
        "status": status,
        "response_headers": {
            "Connection": "close",
            "Content-Type": "application/json",
            "Date": "Wed, 25 Nov 2026 15:40:19 GMT",
            "Server": "app",
        }
        if status
        else {},
        "response_body": body,
    }


_TESTS = (
    ("test_projects_list", "GET /projects answers a JSON list.", "routing", 2, True),
    ("test_project_id_digits_only", "/projects/<int:id> is 404 for words.", "converters", 2, False),
    ("test_plan_rejects_zero", "plan/0.0 answers 400, never a 500.", "converters", 1, False),
    ("test_files_keep_slashes", "/files/<path:name> keeps slashes.", "converters", 2, True),
    ("test_wrong_method_405", "A wrong method answers 405 with Allow.", "methods", 3, False),
    ("test_delete_removes", "DELETE /projects/<id> removes it.", "methods", 2, False),
    ("test_links_use_url_for", "Links are built with url_for.", "url-building", 2, True),
    ("test_old_api_redirects", "GET /project/<id> redirects (301).", "redirects", 2, False),
)
_FAILURES = {
    "test_plan_rejects_zero": (
        "AssertionError: GET /projects/6/plan/0.0 answered 500 INTERNAL SERVER ERROR, "
        "expected 400\nassert 500 == 400",
        _exchange("GET", "/projects/6/plan/0.0", 500, '{"error": "internal error"}\n'),
    ),
    "test_wrong_method_405": (
        "AssertionError: POST /projects/14: Allow must list ['DELETE', 'GET'], got None",
        _exchange("POST", "/projects/14", 405, '{"error": "method not allowed"}\n'),
    ),
}


def _graded(candidate: str = "Alice Martin", **overrides: Any) -> Result:
    tests = []
    for name, description, skill, weight, visible in _TESTS:
        message, exchange = _FAILURES.get(name, ("", None))
        tests.append(
            TestResult(
                id=f"test_routes.py::{name}",
                description=description,
                skill=skill,
                weight=float(weight),
                outcome="failed" if message else "passed",
                message=message,
                duration_s=0.0123,
                visible=visible,
                exchanges=(exchange,) if exchange else (),
            )
        )
    scored = score_tests(tests)
    fields: dict[str, Any] = {
        "challenge": "routing",
        "challenge_title": "URL routing: converters, methods, url_for and redirects",
        "challenge_version": "6d74a3a9c476f3e5",
        "submission_sha256": "c48e09c65b73f6b85637a651d2c6c3513d492b951f8a0199cfc4138231833d21",
        "submission_name": "alice-routing.zip",
        "status": "graded",
        "reason": f"{len(tests) - len(_FAILURES)} of {len(tests)} tests passed",
        "score": scored.score,
        "tests": tuple(tests),
        "skills": scored.skills,
        "app_log": "INFO:waitress:Serving on http://127.0.0.1:54999\n"
        "ERROR:app:Exception on /projects/6/plan/0.0 [GET]\nTraceback (most recent call last):\n"
        '  File "app/routes.py", line 130, in plan\n'
        "ZeroDivisionError: float division by zero\n",
        "timings": {"setup_s": 0.005, "app_start_s": 0.254, "suite_s": 1.12, "sandbox_s": 1.543},
        "sandbox": {
            "kind": "docker",
            "image": "flask-grader-sandbox:d3ac9facd0d4c222",
            "image_id": "sha256:3ba1ae307d80c1d2e3f4a5b6c7d8e9f00112233445566778899aabbccddeeff",
            "limits": {"deadline_s": 60, "memory_mb": 256, "cpus": 2, "pids": 64},
        },
        "grader_version": "0.1.0",
        "graded_at": "2026-11-25T15:40:20+00:00",
        "candidate": candidate,
    }
    fields.update(overrides)
    return Result(**fields)


ROUTES_PY = "".join(
    f"# filler line {n} <b>{HOSTILE}</b>\n" if n % 40 == 0 else f"x{n} = {n}\n"
    for n in range(1, 129)
) + (
    "@bp.get('/projects/<int:pid>/plan/<float:share>')\n"
    "def plan(pid, share):\n"
    "    return {'parts': 1 / share}\n"
)


def _with_code(result: Result) -> Result:
    """The result with its submitted files, as the grader records them."""
    files = (
        SubmittedFile("app/routes.py", len(ROUTES_PY), ROUTES_PY),
        SubmittedFile("app/templates/index.html", 40, "<h1>{{ title }}</h1>\n{% block body %}\n"),
        SubmittedFile("logo.png", 2048, "", binary=True, cut="binary file: not shown"),
    )
    return replace(result, files=files)


def _app_failed(**overrides: Any) -> Result:
    return replace(
        _graded(**overrides),
        status="app_failed",
        reason="the app exited with code 1 before it served any request: SyntaxError",
        score=0.0,
        tests=(),
        skills={},
        app_log='  File "app.py", line 7\n    def home(:\n             ^\n'
        "SyntaxError: invalid syntax\n",
    )


def _batch() -> list[tuple[Result, str]]:
    rows = []
    people = [("Alice Martin", 1.0), ("Bruno Diaz", 0.6), ("Chen Wei", 0.9), ("Dana Okafor", 0.3)]
    for name, factor in people:
        for slug, title in (("routing", "URL routing"), ("sessions", "Sessions")):
            result = _graded(name, challenge=slug, challenge_title=title)
            rows.append((replace(result, score=round(result.score * factor, 2)), f"{slug}.html"))
    rows.append((_app_failed(candidate="Erin Smith"), "erin/report.html"))
    return rows


@pytest.fixture(scope="session")
def report_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Render every view once and write each to a file; map view name to path."""
    folder = tmp_path_factory.mktemp("pages")
    graded = _graded()
    batch = _batch()
    hostile = _graded(HOSTILE, submission_name=HOSTILE, app_log=HOSTILE, reason=HOSTILE)
    pages = {
        "report": render_report(graded),
        "report-app-failed": render_report(_app_failed()),
        "candidate": render_candidate(graded),
        "assessment": render_assessment(
            "Alice Martin", [(r, link) for r, link in batch if r.candidate == "Alice Martin"]
        ),
        "index": render_index(batch, "Spring hiring: backend engineers"),
        "report-code": render_report(_with_code(graded)),
        "hostile-report": render_report(hostile),
        "hostile-candidate": render_candidate(hostile),
        "hostile-index": render_index([(hostile, "h.html")], HOSTILE),
    }
    paths = {}
    for name, html in pages.items():
        paths[name] = folder / f"{name}.html"
        paths[name].write_text(html, encoding="utf-8")
    return paths


# -- the browser -----------------------------------------------------------------------------


@dataclass
class Watched:
    """A page and everything it reported: console errors, requests, failures, dialogs."""

    page: Any
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def open(self, path: Path) -> None:
        """Load a page from its file and wait until it has settled."""
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")

    def assert_clean(self) -> None:
        """Assert no console error, no failed or remote request, no dialog."""
        assert self.errors == []
        assert self.failed == []
        assert self.dialogs == []
        assert all(url.startswith(("file:", "data:")) for url in self.requests), self.requests


def _watch(page: Any) -> Watched:
    watched = Watched(page)
    page.on("console", lambda m: watched.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: watched.errors.append(str(exc)))
    page.on("request", lambda r: watched.requests.append(r.url))
    page.on("requestfailed", lambda r: watched.failed.append(f"{r.url}: {r.failure}"))
    page.on("dialog", lambda d: (watched.dialogs.append(d.message), d.dismiss()))
    return watched


@pytest.fixture(scope="session")
def _shared_page(browser: Any) -> Iterator[Watched]:
    """Open one 1280x900 page for the session: every test loads a file, so none leaks state."""
    context = browser.new_context(
        viewport=VIEWPORT, device_scale_factor=1, reduced_motion="reduce", timezone_id="UTC"
    )
    yield _watch(context.new_page())
    context.close()


@pytest.fixture
def watched(_shared_page: Watched) -> Watched:
    """Give the shared page, on screen media, with its records emptied."""
    _shared_page.page.emulate_media(media="screen")
    _shared_page.page.goto("about:blank")
    for records in (_shared_page.errors, _shared_page.requests, _shared_page.failed):
        records.clear()
    _shared_page.dialogs.clear()
    return _shared_page


@pytest.fixture
def watched_without_js(browser: Any) -> Iterator[Watched]:
    """Like ``watched``, with JavaScript turned off."""
    context = browser.new_context(viewport=VIEWPORT, java_script_enabled=False)
    yield _watch(context.new_page())
    context.close()
