"""HTML reports: every status renders, candidates never see hidden tests, data is escaped."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from grader.reports import (
    charts,
    render_assessment,
    render_candidate,
    render_index,
    render_report,
    write_report_files,
)
from grader.results import Result, TestResult, load_result
from grader.scoring import score_tests

SHA = "c48e09c65b73f6b85637a651d2c6c3513d492b951f8a0199cfc4138231833d21"
DOCKER_SANDBOX = {
    "kind": "docker",
    "image": "flask-grader-sandbox:d3ac9facd0d4c222",
    "image_id": "sha256:3ba1ae307d80aa11bb22cc33dd44ee55ff66778899aabbccddeeff0011223344",
    "limits": {
        "deadline_s": 60,
        "test_timeout_s": 3,
        "memory_mb": 256,
        "cpus": 2,
        "pids": 64,
        "tmpfs_mb": 64,
        "network": "none",
    },
}
HOSTILE = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{7*7}}",
    "</pre>",
)
HOSTILE_TEXT = " ".join(HOSTILE)


# -- factories -------------------------------------------------------------------------------


def _exchange(*, body: str = '{"error": "boom"}', status: int | str = 500) -> dict:
    return {
        "method": "POST",
        "url": "http://127.0.0.1:5000/projects/14",
        "request_headers": {"Content-Type": "application/json", "X-Probe": "req-header-value"},
        "request_body": '{"name": "request-body-value"}',
        "status": status,
        "response_headers": {"Content-Type": "application/json", "X-Trace": "resp-header-value"},
        "response_body": body,
    }


def _test(
    name: str,
    outcome: str = "passed",
    *,
    skill: str = "routing",
    weight: float = 1.0,
    visible: bool = False,
    description: str | None = None,
    message: str = "",
    exchange: dict | None = None,
    duration_s: float = 0.012,
) -> TestResult:
    if outcome != "passed" and not message:
        message = f"AssertionError: {name} expected 200, got 500"
    return TestResult(
        id=f"test_app.py::{name}",
        description=description if description is not None else f"{name} behaves",
        skill=skill,
        weight=weight,
        outcome=outcome,
        message=message,
        duration_s=duration_s,
        visible=visible,
        exchanges=(exchange,)
        if exchange is not None
        else ((_exchange(),) if outcome == "failed" else ()),
    )


def _result(tests: tuple[TestResult, ...] = (), **overrides: object) -> Result:
    scored = score_tests(tests)
    passed = sum(t.outcome == "passed" for t in tests)
    fields: dict = {
        "challenge": "routing",
        "challenge_title": "URL routing",
        "challenge_version": "6d74a3a9c476f3e5",
        "submission_sha256": SHA,
        "submission_name": "alice.zip",
        "status": "graded",
        "reason": f"{passed} of {len(tests)} tests passed",
        "score": scored.score,
        "tests": tests,
        "skills": scored.skills,
        "app_log": "INFO:waitress:Serving on http://127.0.0.1:5000\n",
        "timings": {"setup_s": 0.005, "app_start_s": 0.25, "suite_s": 1.12, "sandbox_s": 1.54},
        "sandbox": DOCKER_SANDBOX,
        "grader_version": "0.1.0",
        "graded_at": "2026-11-25T15:40:20+00:00",
        "candidate": "Alice Example",
    }
    fields.update(overrides)
    return Result(**fields)


def _passing() -> Result:
    return _result(
        (
            _test("test_home", visible=True),
            _test("test_user_int", skill="converters", weight=2),
            _test("test_redirect", skill="redirects"),
        )
    )


def _failing() -> Result:
    return _result(
        (
            _test("test_home", visible=True),
            _test("test_plan_zero", "failed", skill="converters", weight=2),
            _test("test_methods", "error", skill="methods", message="ConnectionResetError"),
            _test("test_probe", "skipped", skill="methods", message="does not probe"),
            _test("test_redirect", skill="redirects"),
        )
    )


def _unrun(status: str, reason: str, **overrides: object) -> Result:
    fields = {"status": status, "reason": reason, "score": 0.0, "tests": (), "skills": {}}
    return _result(**{**fields, **overrides})


UNRUN = {
    "app_failed": _unrun(
        "app_failed",
        "the app exited with code 1 before it served any request: SyntaxError: invalid syntax",
        app_log='  File "app.py", line 7\n    def home(:\nSyntaxError: invalid syntax\n',
    ),
    "timeout": _unrun(
        "timeout",
        "the run exceeded its 60 s deadline and was stopped",
        app_log="INFO:waitress:Serving on http://127.0.0.1:5000\n" + "still busy\n" * 40,
        app_log_truncated=True,
    ),
    "sandbox_error": _unrun(
        "sandbox_error", "the hidden suite failed to load: ERROR collecting test_secret_checks.py"
    ),
    "rejected": _unrun(
        "rejected",
        "entry '../x' escapes the submission folder",
        submission_sha256="",
        sandbox={},
        timings={},
        app_log="",
    ),
}


# -- interviewer view ------------------------------------------------------------------------


def test_passing_result_shows_score_status_reason_and_every_test():
    result = _passing()
    html = render_report(result)
    assert "Score 100 / 100" in html
    assert 'data-status="graded"' in html
    assert "3 of 3 tests passed" in html
    for test in result.tests:
        assert test.id in html
        assert test.description in html
    assert 'data-chart="bars"' in html and 'data-chart="gauge"' in html


def test_failing_result_shows_assertion_and_the_http_exchange():
    result = _failing()
    html = render_report(result)
    assert f"Score {result.score:g} / 100" in html
    for test in result.tests:
        assert f'data-test-id="{test.id}"' in html
    assert "AssertionError: test_plan_zero expected 200, got 500" in html
    assert "ConnectionResetError" in html and "does not probe" in html
    for part in (
        "POST http://127.0.0.1:5000/projects/14",
        "req-header-value",
        "request-body-value",
        "500 Internal Server Error",
        "resp-header-value",
        "{&#34;error&#34;: &#34;boom&#34;}",
    ):
        assert part in html, part


def test_failures_come_before_passes():
    html = render_report(_failing())
    order = [
        html.index(f'data-test-id="test_app.py::{n}"') for n in ("test_plan_zero", "test_home")
    ]
    assert order == sorted(order)
    assert html.index('data-outcome="failed"') < html.index('data-outcome="passed"')


def test_a_long_response_body_is_shown_as_an_excerpt():
    body = "x" * 5000 + "TAIL-MARKER"
    result = _result((_test("test_big", "failed", exchange=_exchange(body=body)),))
    html = render_report(result)
    assert "x" * 2000 in html and "TAIL-MARKER" not in html
    assert "Excerpt: the body is longer." in html


def test_an_exchange_without_a_response_says_so():
    result = _result((_test("test_hang", "failed", exchange=_exchange(body="", status="")),))
    assert "no response" in render_report(result)


@pytest.mark.parametrize("status", sorted(UNRUN))
def test_runs_that_did_not_grade_explain_themselves(status: str):
    result = UNRUN[status]
    html = render_report(result)
    assert f'data-callout="{status}"' in html
    assert f'data-status="{status}"' in html
    assert result.reason.replace("'", "&#39;") in html
    assert "Score 0 / 100" in html
    assert "No test ran" in html


def test_a_timeout_can_be_rendered_with_a_truncated_log():
    html = render_report(UNRUN["timeout"])
    assert "The run hit its time limit" in html
    assert "still busy" in html
    assert "log truncated" in html


def test_a_scoring_rule_that_changed_the_score_is_explained():
    result = replace(_failing(), score=40.0)
    html = render_report(result)
    assert 'data-callout="formula"' in html
    assert 'data-callout="formula"' not in render_report(_failing())


def test_provenance_is_complete_enough_to_audit():
    html = render_report(_passing())
    for part in (
        SHA,
        "6d74a3a9c476f3e5",
        DOCKER_SANDBOX["image"],
        DOCKER_SANDBOX["image_id"],
        "256 MiB",
        "Per-test timeout",
        "Processes</span> 64",
        "0.1.0",
        "2026-11-25 15:40 UTC",
        "2026-11-25T15:40:20+00:00",
        "Hidden suite</span> 1.12 s",
    ):
        assert part in html, part


def test_a_rejected_submission_renders_without_sandbox_or_sha():
    html = render_report(UNRUN["rejected"])
    assert "never reached a sandbox" in html
    assert "nothing was received" in html


def test_every_exchange_of_a_failing_test_is_shown_in_order_with_the_failing_one_marked():
    steps = (
        _exchange(body="STEP-ONE-BODY", status=201) | {"failing": False},
        _exchange(body="STEP-TWO-BODY", status=500) | {"failing": True},
        _exchange(body="STEP-THREE-BODY", status=200) | {"failing": False},
    )
    test = replace(_test("test_steps", "failed"), exchanges=steps, exchanges_dropped=4)
    html = render_report(_result((test,)))
    positions = [html.index(f"STEP-{n}-BODY") for n in ("ONE", "TWO", "THREE")]
    assert positions == sorted(positions)
    assert "Request 2 of 3" in html and html.count("data-failing-step") == 1
    assert html.index("data-failing-step") < positions[1]
    assert positions[0] < html.index("data-failing-step")
    assert "4 earlier requests of this test not kept" in html


def _with_requirements() -> Result:
    tests = (
        replace(_test("test_created", "passed"), requirements=("R1",)),
        replace(_test("test_redirect_stays_home", "failed"), requirements=("R2", "R10")),
    )
    return _result(
        tests,
        requirements={
            "R1": "POST creates a project: 201 and its Location.",
            "R2": "Sign-in never redirects off-site.",
            "R10": "Errors are JSON.",
        },
        score=40.0,
        scoring={
            "weighted": 50.0,
            "caps": [{"name": "open redirect", "when": "requirements['R2'] < 100", "max": 40}],
            "capped_by": "open redirect",
        },
    )


def test_the_report_groups_tests_by_requirement_in_the_statements_words():
    html = render_report(_with_requirements())
    rows = [html.index(f'data-requirement-row="{r}"') for r in ("R1", "R2", "R10")]
    assert rows == sorted(rows)
    assert "Sign-in never redirects off-site." in html
    r2 = html[rows[1] : rows[2]]
    assert 'data-outcome="failed"' in r2 and "test_redirect_stays_home behaves" in r2
    assert 'data-requirement="R10"' in html  # the test card names its requirements


def test_the_report_names_the_cap_that_set_the_score():
    html = render_report(_with_requirements())
    assert "A scoring rule capped this score" in html
    assert "cap “open redirect”" in html
    assert "applies when requirements[&#39;R2&#39;] &lt; 100, and caps the score at 40" in html


def test_the_candidate_learns_a_rule_capped_the_score_but_not_which():
    html = render_candidate(_with_requirements())
    assert 'data-callout="capped"' in html and "worth <strong>50%</strong>" in html
    assert "open redirect" not in html and "R2" not in html


# -- candidate view --------------------------------------------------------------------------


def _leaky_result() -> Result:
    hidden = tuple(
        _test(
            f"test_hidden_marker_id_{i}",
            outcome,
            skill=skill,
            description=f"HIDDEN-DESCRIPTION-MARKER-{i}",
            message=f"HIDDEN-MESSAGE-MARKER-{i}",
            exchange=_exchange(body=f"HIDDEN-BODY-MARKER-{i}") | {"url": f"/hidden-url-{i}"},
            duration_s=7.654 + i,
        )
        for i, (outcome, skill) in enumerate(
            [("failed", "routing"), ("passed", "routing"), ("error", "sessions")]
        )
    )
    visible = (
        _test(
            "test_visible_marker",
            "failed",
            visible=True,
            description="VISIBLE-DESCRIPTION-MARKER",
            message="VISIBLE-MESSAGE-MARKER",
            exchange=_exchange(body="VISIBLE-BODY-MARKER"),
        ),
    )
    return _result(
        visible + hidden,
        app_log="GET /hidden-url-0 APP-LOG-MARKER\nTraceback: APP-LOG-MARKER-2\n",
    )


def test_candidate_view_shows_no_trace_of_hidden_tests_or_the_app_log():
    html = render_candidate(_leaky_result())
    for marker in (
        "test_hidden_marker_id",
        "HIDDEN-DESCRIPTION-MARKER",
        "HIDDEN-MESSAGE-MARKER",
        "HIDDEN-BODY-MARKER",
        "/hidden-url-",
        "APP-LOG-MARKER",
        "7654 ms",
        "7.65 s",
        "8.65 s",
        "9.65 s",
    ):
        assert marker not in html, marker
    for marker in (
        "test_app.py::test_visible_marker",
        "VISIBLE-DESCRIPTION-MARKER",
        "VISIBLE-MESSAGE-MARKER",
        "VISIBLE-BODY-MARKER",
    ):
        assert marker in html, marker


def test_candidate_view_counts_hidden_tests_per_skill():
    html = render_candidate(_leaky_result())
    assert re.search(r'data-skill="routing">.*?1 / 2', html, re.S)
    assert re.search(r'data-skill="sessions">.*?0 / 1', html, re.S)
    assert "Hidden tests passed</dt><dd>1 / 3" in html


def test_candidate_view_keeps_score_status_and_reason():
    result = _failing()
    html = render_candidate(result)
    assert f"Score {result.score:g} / 100" in html
    assert 'data-status="graded"' in html
    assert result.reason in html


def test_candidate_view_never_quotes_a_grader_error():
    html = render_candidate(UNRUN["sandbox_error"])
    assert "test_secret_checks" not in html
    assert "not a problem with your code" in html


@pytest.mark.parametrize("status", ["app_failed", "timeout", "rejected"])
def test_candidate_view_explains_runs_that_did_not_grade(status: str):
    result = UNRUN[status]
    html = render_candidate(result)
    assert f'data-callout="{status}"' in html
    assert result.reason.replace("'", "&#39;") in html
    assert "still busy" not in html and "def home(:" not in html


# -- hostile data ----------------------------------------------------------------------------


def _hostile_result() -> Result:
    tests = (
        _test(
            "test_visible",
            "failed",
            visible=True,
            description=HOSTILE_TEXT,
            message=HOSTILE_TEXT,
            exchange=_exchange(body=HOSTILE_TEXT) | {"url": HOSTILE[1]},
        ),
        _test("test_hidden", "failed", skill=HOSTILE[0], message=HOSTILE_TEXT),
    )
    return _result(
        tests,
        submission_name=HOSTILE_TEXT,
        candidate=HOSTILE_TEXT,
        challenge_title=HOSTILE_TEXT,
        app_log=HOSTILE_TEXT,
        reason=HOSTILE_TEXT,
    )


def _all_views(result: Result) -> dict[str, str]:
    return {
        "report": render_report(result),
        "candidate": render_candidate(result),
        "assessment": render_assessment(HOSTILE_TEXT, [(result, "a/report.html")]),
        "index": render_index([(result, "a/report.html")], HOSTILE_TEXT),
    }


@pytest.mark.parametrize("view", ["report", "candidate", "assessment", "index"])
def test_hostile_strings_come_out_escaped(view: str):
    html = _all_views(_hostile_result())[view]
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html
    assert "onerror=alert(1)>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "{{7*7}}" in html
    assert html.count("</pre>") == html.count("<pre")


@pytest.mark.parametrize("view", ["report", "candidate", "assessment", "index"])
def test_pages_are_self_contained(view: str):
    html = _all_views(_passing())[view]
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<link" not in html and "@import" not in html and "url(" not in html
    assert "default-src 'none'" in html
    assert "@media print" in html


def test_only_the_index_runs_a_script_and_the_policy_allows_exactly_it():
    views = _all_views(_passing())
    for name in ("report", "candidate", "assessment"):
        assert "<script" not in views[name]
        assert "script-src &#39;none&#39;" in views[name]
    scripts = re.findall(r"<script>(.*?)</script>", views["index"], re.S)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert f"script-src &#39;sha256-{digest}&#39;" in views["index"]


# -- several results -------------------------------------------------------------------------


def _batch() -> list[tuple[Result, str]]:
    alice = "Alice Example"
    return [
        (_passing(), "alice/routing/report.html"),
        (replace(_failing(), challenge="sessions", challenge_title="Sessions"), "alice/s.html"),
        (replace(UNRUN["app_failed"], candidate="", submission_name="bob"), "bob/report.html"),
        (replace(_failing(), candidate="carol", score=95.0), "carol/report.html"),
        (replace(_passing(), candidate=alice, challenge="templates"), "alice/t.html"),
    ]


def test_assessment_shows_the_mean_and_links_each_report():
    rows = [row for row in _batch() if row[0].candidate == "Alice Example"]
    html = render_assessment("Alice Example", rows)
    mean = round(sum(r.score for r, _ in rows) / len(rows), 2)
    assert f"data-overall>{mean:g}<" in html
    assert "mean of the 3 challenge scores" in html
    for _, link in rows:
        assert f'href="{link}"' in html
    assert "URL routing" in html and "Sessions" in html
    for skill in ("converters", "redirects", "methods"):
        assert f">{skill}</text>" in html


def test_assessment_warns_about_challenges_that_did_not_run():
    html = render_assessment("bob", [(UNRUN["timeout"], "r.html"), (_passing(), "p.html")])
    assert 'data-callout="not-graded"' in html
    assert "data-overall>50<" in html


def test_index_lists_every_row_with_a_summary_and_histogram():
    rows = _batch()
    html = render_index(rows, "Spring hiring")
    for _, link in rows:
        assert f'href="{link}"' in html
    assert '<h1 id="title" class="wrap">Spring hiring</h1>' in html
    assert "data-count>5<" in html
    scores = sorted(r.score for r, _ in rows)
    assert f'data-median class="{charts.tone(scores[2])}">{scores[2]:g}<' in html
    assert 'data-status-count="app_failed"' in html
    assert 'data-bucket="90–100" data-count="3"' in html
    assert 'data-bucket="0–9" data-count="1"' in html
    assert "bob" in html  # no candidate: the submission's name stands in


def test_index_default_order_is_candidate_then_challenge():
    html = render_index(_batch(), "t")
    links = re.findall(r'<a href="([^"]+)">report</a>', html)
    assert links == [
        "alice/routing/report.html",
        "alice/s.html",
        "alice/t.html",
        "bob/report.html",
        "carol/report.html",
    ]


def test_empty_assessment_renders():
    html = render_assessment("nobody", [])
    assert "data-overall>0<" in html and "No results." in html


def test_odd_values_in_a_loaded_document_still_render():
    doc = json.loads(_failing().to_json())
    doc["sandbox"] = {"kind": "docker", "limits": "unknown"}
    doc["timings"] = {"suite_s": "n/a", "app_start_s": float("inf")}
    doc["graded_at"] = "yesterday"
    html = render_report(load_result(json.dumps(doc)))
    assert "n/a" in html and "yesterday" in html and "unknown" in html


def test_empty_index_renders():
    html = render_index([], "Nothing yet")
    assert "No results." in html and 'data-chart="histogram"' in html


# -- files -----------------------------------------------------------------------------------


def test_write_report_files_writes_the_document_and_both_views(tmp_path: Path):
    result = _failing()
    report = write_report_files(result, tmp_path / "out")
    assert report == tmp_path / "out" / "report.html"
    assert sorted(p.name for p in report.parent.iterdir()) == [
        "candidate.html",
        "report.html",
        "result.json",
    ]
    assert load_result((report.parent / "result.json").read_text()) == result
    assert json.loads((report.parent / "result.json").read_text())["score"] == result.score
    assert "Interviewer report" in report.read_text()
    assert "Your result" in (report.parent / "candidate.html").read_text()


# -- charts ----------------------------------------------------------------------------------


def test_buckets_hold_ten_points_each_and_100_falls_in_the_last():
    scores = [0, 9.99, 10, 19.5, 50, 89.99, 90, 99.9, 100]
    assert charts.bucket_counts(scores) == [2, 2, 0, 0, 0, 1, 0, 0, 1, 3]
    assert sum(charts.bucket_counts([-5, 150])) == 2


def test_histogram_scales_the_tallest_column_to_the_plot():
    hist = charts.histogram([95, 96, 97, 12])
    heights = {b.label: b.height for b in hist.buckets}
    plot = hist.baseline - hist.top
    assert heights["90–100"] == pytest.approx(plot)
    assert heights["10–19"] == pytest.approx(plot / 3, abs=0.01)
    assert heights["0–9"] == 0
    assert [b.label for b in hist.buckets][:2] == ["0–9", "10–19"]
    assert hist.ticks[0] == (0, hist.baseline)


def test_bar_chart_lengths_follow_percentages_and_groups_add_headings():
    chart = charts.bar_chart([("A", [("x", 50, ""), ("y", 100, "")]), ("", [("z", 0, "")])])
    assert [b.width for b in chart.bars] == [charts.TRACK_WIDTH / 2, charts.TRACK_WIDTH, 0]
    assert [h.label for h in chart.headings] == ["A"]
    assert [b.tone for b in chart.bars] == ["fair", "good", "poor"]
    assert chart.height > 3 * charts.ROW_HEIGHT


def test_long_labels_are_clipped():
    bar = charts.bar_chart([("", [("a" * 80, 10, "")])]).bars[0]
    assert len(bar.label) == charts.LABEL_CHARS and bar.label.endswith("…")
    assert bar.full_label == "a" * 80


def test_gauge_and_summary():
    assert charts.gauge(50).dash == pytest.approx(charts.gauge(100).circumference / 2, abs=0.01)
    assert charts.gauge(140).percent == 100
    summary = charts.summarize([10, 20, 90])
    assert (summary.count, summary.median, summary.mean) == (3, 20, 40)
    assert charts.summarize([]).count == 0
    assert [charts.tone(s) for s in (80, 79.9, 50, 49.9)] == ["good", "fair", "fair", "poor"]


def test_requirement_text_shows_inline_code_and_escapes_everything_else():
    result = replace(
        _with_requirements(),
        requirements={"R1": "`GET /x` answers **200**, <script>alert(1)</script>"},
    )
    html = render_report(result)
    assert "<code>GET /x</code> answers <strong>200</strong>, &lt;script&gt;" in html
    assert "<script>alert(1)" not in html
