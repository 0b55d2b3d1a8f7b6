"""Hints for candidates: the `hint` marker, its row, and what the candidate's view shows of it."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from grader.grading import HINT_CAP, _test_row
from grader.reports import render_candidate, render_report
from grader.reports.views import candidate_view
from grader.results import Result, TestResult
from grader.testkit.plugin import HINT_CHARS

pytest_plugins = ["pytester"]

SUITE = """
import pytest

pytestmark = pytest.mark.skill("sessions")


@pytest.mark.hint("a failed   login must answer 401,\\n not crash")
def test_hinted():
    pass


class TestClass:
    pytestmark = pytest.mark.hint("the class's hint")

    def test_inherits(self):
        pass

    @pytest.mark.hint("the closest hint wins")
    def test_own(self):
        pass


def test_plain():
    pass


@pytest.mark.hint("")
def test_empty():
    pass


@pytest.mark.hint("one", "two")
def test_two():
    pass


@pytest.mark.hint(text="keyword")
def test_keyword():
    pass


@pytest.mark.hint(42)
def test_number():
    pass


@pytest.mark.hint("x" * (HINT_CHARS + 1))
def test_long():
    pass
"""


@pytest.fixture
def run_suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable]:
    """Run a suite with the plugin; return its results file's rows by test name."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    results = pytester.path / "results.json"
    monkeypatch.setenv("GRADER_RESULTS_FILE", str(results))

    def run(text: str) -> dict[str, dict[str, Any]]:
        pytester.makepyfile(test_suite=textwrap.dedent(text))
        pytester.runpytest(
            "-p", "grader.testkit.plugin", "--strict-markers", "-p", "no:cacheprovider"
        )
        return {row["name"]: row for row in json.loads(results.read_text())["tests"]}

    yield run


def test_the_hint_marker_is_recorded_and_validated(run_suite: Callable) -> None:
    rows = run_suite(SUITE.replace("HINT_CHARS", str(HINT_CHARS)))
    assert rows["test_hinted"]["hint"] == "a failed login must answer 401, not crash"
    assert rows["test_hinted"]["outcome"] == "passed"
    assert rows["test_inherits"]["hint"] == "the class's hint"
    assert rows["test_own"]["hint"] == "the closest hint wins"
    assert rows["test_plain"]["hint"] is None
    for name in ("test_empty", "test_two", "test_keyword", "test_number", "test_long"):
        assert rows[name]["outcome"] == "error", name
        assert rows[name]["message"].startswith("invalid hint marker hint("), name
        assert f"at most {HINT_CHARS} characters" in rows[name]["message"]


def _row(**overrides: Any) -> dict[str, Any]:
    return {
        "id": "t::x",
        "description": "x",
        "skill": "sessions",
        "weight": 1,
        "outcome": "failed",
        "message": "m",
        "duration_s": 0.1,
        "visible": False,
        **overrides,
    }


class _Challenge:
    skills = ("sessions",)


@pytest.mark.parametrize(
    ("raw", "kept"),
    [("use the session", "use the session"), (None, ""), (["a list"], ""), ("h" * 900, None)],
)
def test_the_host_keeps_a_hint_as_capped_text(raw: Any, kept: str | None) -> None:
    row = _test_row(_row(hint=raw), _Challenge())  # type: ignore[arg-type]
    if kept is None:
        assert len(row.hint) <= HINT_CAP + 6 and row.hint.startswith("hhh")
    else:
        assert row.hint == kept


# -- the candidate's view ---------------------------------------------------------------------


def _exchange(status: int | str, body: str = "SECRET-RESPONSE-BODY") -> dict[str, Any]:
    secret = body.startswith("SECRET")
    return {
        "method": "POST",
        "url": "http://127.0.0.1:5000/" + ("SECRET-PATH" if secret else "visible"),
        "request_body": "SECRET-REQUEST" if secret else "",
        "status": status,
        "response_body": body,
    }


def _test(name: str, skill: str, outcome: str, **fields: Any) -> TestResult:
    return TestResult(
        **{
            "id": f"tests/test_x.py::{name}",
            "description": f"SECRET-DESCRIPTION {name}",
            "skill": skill,
            "weight": 1.0,
            "outcome": outcome,
            "message": f"SECRET-MESSAGE {name}",
            "duration_s": 0.01,
            "visible": False,
            **fields,
        }
    )


TESTS = (
    _test(
        "test_login_crashes",
        "auth",
        "failed",
        hint="A failed login must answer 401, not crash.",
        exchanges=(_exchange(500), _exchange("503"), _exchange(401)),
    ),
    _test("test_logout", "auth", "error", hint="A failed login must answer 401, not crash."),
    _test("test_passes", "auth", "passed", hint="HINT-OF-A-PASSED-TEST"),
    _test("test_no_hint", "sessions", "failed", exchanges=(_exchange(502),)),
    _test(
        "test_visible",
        "sessions",
        "failed",
        visible=True,
        hint="The visible test's hint, shown on its card.",
        exchanges=(_exchange(500, "VISIBLE-RESPONSE"),),
    ),
    _test("test_skipped", "sessions", "skipped", hint="HINT-OF-A-SKIPPED-TEST"),
)
RESULT = Result(
    challenge="auth",
    challenge_title="Auth",
    challenge_version="v1",
    submission_sha256="ab" * 32,
    submission_name="alice.zip",
    status="graded",
    reason="1 of 6 tests passed",
    score=20.0,
    tests=TESTS,
)


def test_the_view_lists_failed_hidden_tests_hints_per_skill_once() -> None:
    skills = {s.name: s for s in candidate_view(RESULT).skills}
    assert skills["auth"].hints == ("A failed login must answer 401, not crash.",)
    assert skills["sessions"].hints == ()  # the visible test's hint is on its own card
    assert skills["auth"].crashes == 2 and skills["sessions"].crashes == 1
    assert candidate_view(RESULT).crashes == 3


def test_the_candidate_page_shows_hints_and_crashes_and_nothing_of_the_tests() -> None:
    page = render_candidate(RESULT)
    assert page.count("A failed login must answer 401, not crash.") == 1
    assert "Your app crashed on 3 requests</strong>" in page
    assert "2 server errors (5xx) in the hidden tests of this skill" in page
    assert "The visible test&#39;s hint, shown on its card." in page
    assert "VISIBLE-RESPONSE" in page  # a visible test's exchange is shown in full
    hidden = [t for t in TESTS if not t.visible]
    for leak in (
        "HINT-OF-A-PASSED-TEST",
        "HINT-OF-A-SKIPPED-TEST",
        "SECRET-PATH",
        "SECRET-REQUEST",
        *(t.description for t in hidden),
        *(t.message for t in hidden),
        *(t.id for t in hidden),
    ):
        assert leak not in page, leak
    assert page.count("SECRET-RESPONSE-BODY") == 0


def test_no_hints_and_no_crash_means_no_section() -> None:
    quiet = Result(**{**RESULT.__dict__, "tests": (TESTS[2],)})
    assert "data-hints" not in render_candidate(quiet)


def test_the_interviewer_sees_each_tests_hint() -> None:
    report = render_report(RESULT)
    assert "Hint the candidate reads when this fails" in report
    assert "A failed login must answer 401, not crash." in report
