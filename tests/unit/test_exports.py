"""JUnit XML and Gradescope exports parse, count right, and keep hidden tests hidden."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from grader.exports import to_gradescope, to_junit_xml, write_exports
from grader.results import STATUSES, Result, TestResult

HOSTILE = "<script>alert('x')</script> ]]> & \"q\" 'a' \x00\x08\x1b[31m 🎉 \ud800 end"
# What XML 1.0 can hold of HOSTILE: control characters and the lone surrogate dropped.
HOSTILE_IN_XML = "<script>alert('x')</script> ]]> & \"q\" 'a' [31m 🎉  end"


def _test(
    test_id: str,
    outcome: str,
    *,
    weight: float = 1.0,
    skill: str = "routing",
    message: str = "",
    visible: bool = True,
) -> TestResult:
    return TestResult(
        id=test_id,
        description=f"{test_id} works",
        skill=skill,
        weight=weight,
        outcome=outcome,
        message=message,
        duration_s=0.25,
        visible=visible,
    )


def _result(tests: tuple[TestResult, ...] = (), **changes: object) -> Result:
    base = Result(
        challenge="notes-api",
        challenge_title="Notes API",
        challenge_version="v3",
        submission_sha256="ab" * 32,
        submission_name="sub.zip",
        status="graded",
        reason="all tests passed",
        score=100.0,
        tests=tests,
        app_log="app started\n",
        timings={"total_s": 12.5, "sandbox_s": 10.0},
        grader_version="1.2.0",
        graded_at="2024-05-01T12:00:00+00:00",
    )
    return replace(base, **changes)


@pytest.fixture
def passing() -> Result:
    return _result((_test("t::a", "passed", weight=2.0), _test("t::b", "passed")))


@pytest.fixture
def mixed() -> Result:
    tests = (
        _test("t::ok", "passed", weight=3.0, skill="routing"),
        _test("t::bad", "failed", weight=2.0, skill="auth", message="assert 401 == 200\nmore"),
        _test("t::boom", "error", weight=1.0, skill="auth", message="KeyError: 'id'"),
        _test("t::later", "skipped", weight=1.0, skill="db", message="needs sqlite"),
        _test("t::secret", "passed", weight=2.0, skill="db", visible=False),
        _test("t::hidden_fail", "failed", weight=1.0, skill="db", message="leak", visible=False),
    )
    return _result(tests, reason="2 of 6 tests passed", score=50.0)


@pytest.fixture
def app_failed() -> Result:
    return _result(
        (),
        status="app_failed",
        reason="the app did not start: ImportError",
        score=0.0,
        app_log="Traceback...\nImportError: flask_foo\n",
        app_log_truncated=True,
        timings={},
    )


def _suite(xml: str) -> ET.Element:
    root = ET.fromstring(xml.encode("utf-8"))
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    return suite


def _properties(suite: ET.Element) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in suite.iterfind("properties/property")}


def _assert_counts_match_children(suite: ET.Element) -> None:
    cases = suite.findall("testcase")
    assert suite.get("tests") == str(len(cases))
    assert suite.get("failures") == str(sum(c.find("failure") is not None for c in cases))
    assert suite.get("errors") == str(sum(c.find("error") is not None for c in cases))
    assert suite.get("skipped") == str(sum(c.find("skipped") is not None for c in cases))


def _weighted_score(result: Result) -> float:
    total = sum(t.weight for t in result.tests)
    return 100 * sum(t.weight for t in result.tests if t.outcome == "passed") / total


def _assert_gradescope_shape(doc: dict) -> None:
    assert isinstance(doc["score"], int | float)
    assert isinstance(doc["max_score"], int | float)
    assert isinstance(doc["execution_time"], int | float)
    assert isinstance(doc["output"], str) and doc["output"]
    assert doc["visibility"] == "visible"
    assert doc["stdout_visibility"] == "hidden"
    assert isinstance(doc["tests"], list)
    for number, row in enumerate(doc["tests"], 1):
        assert set(row) == {
            "name",
            "number",
            "score",
            "max_score",
            "status",
            "output",
            "visibility",
            "tags",
        }
        assert row["number"] == str(number)
        assert isinstance(row["name"], str) and isinstance(row["output"], str)
        assert isinstance(row["score"], int | float) and isinstance(row["max_score"], int | float)
        assert 0 <= row["score"] <= row["max_score"]
        assert row["status"] in ("passed", "failed")
        assert row["visibility"] in ("visible", "hidden")
        assert isinstance(row["tags"], list) and all(isinstance(t, str) for t in row["tags"])
    assert json.loads(json.dumps(doc)) == doc
    json.dumps(doc, ensure_ascii=False).encode("utf-8")  # writable as UTF-8


# JUnit XML


def test_junit_declares_utf8_and_parses(passing: Result):
    xml = to_junit_xml(passing)
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    _suite(xml)


def test_junit_passing_run_has_one_clean_testcase_per_test(passing: Result):
    suite = _suite(to_junit_xml(passing))
    assert suite.get("name") == "notes-api"
    assert suite.get("timestamp") == "2024-05-01T12:00:00+00:00"
    assert suite.get("time") == "12.500"
    _assert_counts_match_children(suite)
    assert (suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("0", "0", "0")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["t::a", "t::b"]
    assert all(c.get("classname") == "notes-api.routing" for c in cases)
    assert all(c.get("time") == "0.250" for c in cases)
    assert all(len(c) == 0 for c in cases)


def test_junit_mixed_run_marks_failures_errors_and_skips(mixed: Result):
    suite = _suite(to_junit_xml(mixed))
    _assert_counts_match_children(suite)
    assert (suite.get("tests"), suite.get("failures")) == ("6", "2")
    assert (suite.get("errors"), suite.get("skipped")) == ("1", "1")
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    failure = cases["t::bad"].find("failure")
    assert failure.get("message") == "assert 401 == 200"
    assert failure.text == "assert 401 == 200\nmore"
    assert cases["t::bad"].get("classname") == "notes-api.auth"
    assert cases["t::boom"].find("error").get("message") == "KeyError: 'id'"
    assert cases["t::later"].find("skipped").get("message") == "needs sqlite"
    assert len(cases["t::ok"]) == 0


def test_junit_properties_carry_provenance(mixed: Result):
    assert _properties(_suite(to_junit_xml(mixed))) == {
        "score": "50.0",
        "max_score": "100.0",
        "status": "graded",
        "reason": "2 of 6 tests passed",
        "challenge_version": "v3",
        "submission_sha256": "ab" * 32,
        "grader_version": "1.2.0",
    }


def test_junit_app_log_goes_to_system_out(app_failed: Result):
    suite = _suite(to_junit_xml(app_failed))
    assert suite.find("system-out").text == (
        "Traceback...\nImportError: flask_foo\n\n[app log truncated]"
    )


def test_junit_run_without_tests_shows_a_red_grading_case(app_failed: Result):
    suite = _suite(to_junit_xml(app_failed))
    _assert_counts_match_children(suite)
    (case,) = suite.findall("testcase")
    assert case.get("name") == "grading"
    error = case.find("error")
    assert error.get("message") == "app_failed: the app did not start: ImportError"
    assert suite.get("errors") == "1"


def test_junit_unfinished_run_is_red_even_if_partial_tests_passed(passing: Result):
    timed_out = replace(passing, status="timeout", reason="suite exceeded 60 s")
    suite = _suite(to_junit_xml(timed_out))
    _assert_counts_match_children(suite)
    assert [c.get("name") for c in suite.findall("testcase")] == ["t::a", "t::b", "grading"]
    assert suite.get("errors") == "1"


def test_junit_strips_what_xml_cannot_hold_and_escapes_the_rest():
    test = _test(HOSTILE, "failed", skill=HOSTILE, message=HOSTILE)
    result = _result(
        (test,),
        challenge=HOSTILE,
        reason=HOSTILE,
        app_log=HOSTILE,
        grader_version=HOSTILE,
        score=0.0,
    )
    xml = to_junit_xml(result)
    xml.encode("utf-8")  # no lone surrogate survived
    assert "<script>" not in xml
    suite = _suite(xml)
    _assert_counts_match_children(suite)
    assert suite.get("name") == HOSTILE_IN_XML
    (case,) = suite.findall("testcase")
    assert case.get("name") == HOSTILE_IN_XML
    assert case.get("classname") == f"{HOSTILE_IN_XML}.{HOSTILE_IN_XML}"
    assert case.find("failure").get("message") == HOSTILE_IN_XML
    assert case.find("failure").text == HOSTILE_IN_XML
    assert suite.find("system-out").text == HOSTILE_IN_XML
    assert _properties(suite)["reason"] == HOSTILE_IN_XML


# Gradescope


def test_gradescope_passing_run(passing: Result):
    doc = to_gradescope(passing)
    _assert_gradescope_shape(doc)
    assert (doc["score"], doc["max_score"], doc["execution_time"]) == (100.0, 100.0, 12.5)
    assert doc["output"] == "graded: all tests passed"
    assert [t["max_score"] for t in doc["tests"]] == [66.67, 33.33]
    assert [t["status"] for t in doc["tests"]] == ["passed", "passed"]
    assert doc["tests"][0]["name"] == "t::a works"


def test_gradescope_points_follow_weights(mixed: Result):
    doc = to_gradescope(mixed)
    _assert_gradescope_shape(doc)
    rows = doc["tests"]
    assert sum(t["max_score"] for t in rows) == pytest.approx(100, abs=0.05)
    assert sum(t["score"] for t in rows) == pytest.approx(_weighted_score(mixed), abs=0.05)
    assert [t["status"] for t in rows] == [
        "passed",
        "failed",
        "failed",
        "failed",
        "passed",
        "failed",
    ]
    assert [t["tags"] for t in rows] == [["routing"], ["auth"], ["auth"], ["db"], ["db"], ["db"]]
    assert rows[1]["output"] == "assert 401 == 200\nmore"
    assert rows[2]["output"] == "error: KeyError: 'id'"
    assert rows[3]["output"] == "skipped: needs sqlite"


def test_gradescope_never_shows_hidden_tests_to_students(mixed: Result):
    rows = {t["name"]: t for t in to_gradescope(mixed)["tests"]}
    assert rows["t::secret works"]["visibility"] == "hidden"
    assert rows["t::hidden_fail works"]["visibility"] == "hidden"
    assert rows["t::hidden_fail works"]["output"] == "leak"
    assert rows["t::ok works"]["visibility"] == "visible"


def test_gradescope_says_when_a_formula_score_differs_from_the_test_points(mixed: Result):
    assert "formula" not in to_gradescope(replace(mixed, score=50.01))["output"]
    doc = to_gradescope(replace(mixed, score=70.0))
    assert doc["score"] == 70.0
    assert "scoring rule of this challenge capped the score at 70" in doc["output"]
    assert "sum to 50." in doc["output"]


@pytest.mark.parametrize("count", [3, 7, 11, 30])
def test_gradescope_max_scores_sum_to_exactly_100(count: int):
    tests = tuple(_test(f"t::{i}", "passed", weight=1 + i % 3) for i in range(count))
    rows = to_gradescope(_result(tests))["tests"]
    assert round(sum(t["max_score"] for t in rows), 2) == 100
    assert all(t["max_score"] == round(t["max_score"], 2) for t in rows)


def test_gradescope_zero_weights_score_nothing():
    tests = (_test("t::a", "passed", weight=0.0), _test("t::b", "failed", weight=0.0))
    doc = to_gradescope(_result(tests, score=0.0))
    _assert_gradescope_shape(doc)
    assert [t["max_score"] for t in doc["tests"]] == [0.0, 0.0]


def test_gradescope_run_without_tests_reports_the_reason(app_failed: Result):
    doc = to_gradescope(app_failed)
    _assert_gradescope_shape(doc)
    assert doc["tests"] == []
    assert doc["output"] == "app_failed: the app did not start: ImportError"
    assert (doc["score"], doc["execution_time"]) == (0.0, 0)


def test_gradescope_survives_hostile_strings():
    test = _test(HOSTILE, "failed", skill=HOSTILE, message=HOSTILE, visible=False)
    doc = to_gradescope(_result((test,), reason=HOSTILE, score=0.0))
    _assert_gradescope_shape(doc)
    (row,) = doc["tests"]
    assert "\ud800" not in row["output"] and "\x00" in row["output"]
    assert row["output"] == HOSTILE.replace("\ud800", "")


# Both, over every status


@pytest.mark.parametrize("status", STATUSES)
def test_every_status_exports_to_both_formats(status: str, mixed: Result, tmp_path: Path):
    tests = mixed.tests if status == "graded" else ()
    result = replace(mixed, status=status, tests=tests, reason=f"{status} happened")
    write_exports(result, tmp_path / "out")

    suite = _suite((tmp_path / "out" / "junit.xml").read_text(encoding="utf-8"))
    _assert_counts_match_children(suite)
    assert _properties(suite)["status"] == status
    red = int(suite.get("failures")) + int(suite.get("errors"))
    assert red > 0  # mixed has failures; every other status gets the grading case

    doc = json.loads((tmp_path / "out" / "gradescope.json").read_text(encoding="utf-8"))
    _assert_gradescope_shape(doc)
    if status == "sandbox_error":  # its reason may quote the hidden suite: students never see it
        assert doc["output"].startswith(f"{status}: The grader could not finish")
    else:
        assert doc["output"].startswith(f"{status}: {status} happened")
    assert len(doc["tests"]) == len(tests)
