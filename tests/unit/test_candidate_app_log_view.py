"""The app's log of a visible test's failed request on the pages, and in the result document."""

from __future__ import annotations

import json

import pytest

from grader.errors import InputRejected
from grader.reports import render_candidate, render_report
from grader.results import Result, TestResult, load_result

HOSTILE_LOG = 'ValueError: <script>alert(1)</script> "</pre>" & \x1b[31mred\x1b[0m \u202eevil'


def _exchange(status: int = 500, app_log: str | None = None) -> dict:
    exchange = {"method": "GET", "url": "http://127.0.0.1:8000/boom", "status": status}
    return exchange if app_log is None else {**exchange, "app_log": app_log}


def _test(name: str, visible: bool, *exchanges: dict) -> TestResult:
    return TestResult(
        id=f"test_app.py::{name}",
        description=f"{name} describes itself",
        skill="errors",
        weight=1.0,
        outcome="failed",
        message="assert 500 == 200",
        duration_s=0.02,
        visible=visible,
        exchanges=exchanges,
    )


def _result(*tests: TestResult) -> Result:
    return Result(
        challenge="errors",
        challenge_title="Error handling",
        challenge_version="v1",
        submission_sha256="0" * 64,
        submission_name="alice.zip",
        status="graded",
        reason="0 of 2 tests passed",
        score=0.0,
        tests=tests,
    )


def _pre(html: str) -> list[str]:
    return [part.split("</pre>")[0] for part in html.split('<pre class="log" data-app-log>')[1:]]


def test_the_candidate_reads_the_traceback_of_a_visible_crash_escaped():
    html = render_candidate(_result(_test("test_visible", True, _exchange(app_log=HOSTILE_LOG))))
    assert "The app's log during this request" in html
    assert _pre(html) == [
        "ValueError: &lt;script&gt;alert(1)&lt;/script&gt; &#34;&lt;/pre&gt;&#34; &amp; "
        "\u241b[31mred\u241b[0m \u27e6U+202E\u27e7evil"
    ]
    assert "<script>alert(1)" not in html and "\x1b" not in html and "\u202e" not in html


def test_a_hidden_tests_log_is_never_shown_even_if_a_document_carries_one():
    forged = _test("test_hidden", False, _exchange(app_log="HIDDEN-APP-LOG"))
    visible = _test("test_visible", True, _exchange(app_log="VISIBLE-APP-LOG"))
    candidate = render_candidate(_result(forged, visible))
    interviewer = render_report(_result(forged, visible))
    for html in (candidate, interviewer):
        assert "HIDDEN-APP-LOG" not in html
        assert _pre(html) == ["VISIBLE-APP-LOG"]


def test_an_exchange_without_a_log_shows_no_log_block():
    html = render_candidate(_result(_test("test_visible", True, _exchange(status=500))))
    assert "data-app-log" not in html


def test_the_log_round_trips_through_the_result_document():
    result = _result(_test("test_visible", True, _exchange(app_log="Traceback\nValueError: x")))
    again = load_result(result.to_json())
    assert again == result
    assert again.tests[0].exchanges[0]["app_log"] == "Traceback\nValueError: x"


def test_a_document_written_before_the_log_was_cut_still_loads():
    doc = json.loads(_result(_test("test_visible", True, _exchange())).to_json())
    assert "app_log" not in doc["tests"][0]["exchanges"][0]
    assert load_result(json.dumps(doc)).tests[0].exchanges == (_exchange(),)


def test_a_log_that_is_not_text_is_refused():
    doc = json.loads(_result(_test("test_visible", True, _exchange(app_log="x"))).to_json())
    doc["tests"][0]["exchanges"][0]["app_log"] = ["not", "text"]
    with pytest.raises(InputRejected, match="app_log must be text"):
        load_result(json.dumps(doc))
