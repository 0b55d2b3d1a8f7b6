"""What a re-grade changed: grader.diff compares two result documents, and `grader diff` says so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.diff import TimingChange, describe_diff, diff_results
from grader.results import Result, TestResult


def _test(name: str, outcome: str) -> TestResult:
    return TestResult(
        id=f"tests/test_app.py::{name}",
        description=f"{name} in words",
        skill="routing",
        weight=1.0,
        outcome=outcome,
        message="" if outcome == "passed" else "assert 500 == 400",
        duration_s=0.01,
        visible=False,
    )


def _result(**overrides: object) -> Result:
    fields: dict[str, object] = {
        "challenge": "routing",
        "challenge_title": "URL routing",
        "challenge_version": "aaaa1111",
        "submission_sha256": "ab" * 32,
        "submission_name": "alice.zip",
        "status": "graded",
        "reason": "2 of 3 tests passed",
        "score": 66.67,
        "tests": (_test("test_a", "passed"), _test("test_b", "failed"), _test("test_c", "passed")),
        "timings": {"suite_s": 1.0, "app_start_s": 0.25},
        "sandbox": {"kind": "docker", "image": "sandbox:1", "image_id": "sha256:1"},
        "grader_version": "0.1.0",
        "graded_at": "2026-11-25T15:40:20+00:00",
    }
    fields.update(overrides)
    return Result(**fields)  # type: ignore[arg-type]


OLD = _result()
NEW = _result(
    challenge_version="bbbb2222",
    score=75.0,
    reason="3 of 4 tests passed",
    tests=(
        _test("test_a", "passed"),
        _test("test_b", "passed"),
        _test("test_d", "failed"),
        _test("test_e", "passed"),
    ),
    timings={"suite_s": 2.0, "app_start_s": 0.26},
    sandbox={"kind": "docker", "image": "sandbox:2", "image_id": "sha256:2"},
    grader_version="0.2.0",
)


def test_a_result_compared_with_itself_changed_nothing() -> None:
    diff = diff_results(OLD, OLD)
    assert diff.outcome_same and diff.score_delta == 0
    assert diff.tests == () and diff.unchanged_tests == 3
    assert diff.changed_provenance == ()
    assert not any(t.notable for t in diff.timings)


def test_score_status_and_each_tests_outcome_are_compared_by_id() -> None:
    diff = diff_results(OLD, NEW)
    assert (diff.old_score, diff.new_score, diff.score_delta) == (66.67, 75.0, 8.33)
    assert [(t.id.split("::")[1], t.old, t.new, t.kind) for t in diff.tests] == [
        ("test_b", "failed", "passed", "fixed"),
        ("test_d", None, "failed", "added"),
        ("test_e", None, "passed", "added"),
        ("test_c", "passed", None, "removed"),
    ]
    assert len(diff.changed_tests) == 1 and len(diff.added_tests) == 2
    assert len(diff.removed_tests) == 1
    assert diff.unchanged_tests == 1  # test_a
    assert not diff.outcome_same


def test_a_test_that_broke_and_a_status_change_are_named() -> None:
    crashed = _result(status="app_failed", reason="the app did not start", score=0.0, tests=())
    diff = diff_results(OLD, crashed)
    assert (diff.old_status, diff.new_status) == ("graded", "app_failed")
    assert {t.kind for t in diff.tests} == {"removed"}
    broke = diff_results(OLD, _result(tests=(_test("test_a", "error"), *OLD.tests[1:])))
    assert [t.kind for t in broke.tests] == ["broken"]
    errored = diff_results(NEW, _result(tests=(_test("test_d", "error"),)))
    assert errored.tests[0].kind == "changed"


def test_versions_image_and_grader_are_compared() -> None:
    changed = {p.label: (p.old, p.new) for p in diff_results(OLD, NEW).changed_provenance}
    assert changed == {
        "Challenge version": ("aaaa1111", "bbbb2222"),
        "Sandbox image": ("sandbox:1", "sandbox:2"),
        "Sandbox image id": ("sha256:1", "sha256:2"),
        "Grader version": ("0.1.0", "0.2.0"),
    }


def test_timings_are_compared_and_only_real_moves_are_notable() -> None:
    timings = {t.name: t for t in diff_results(OLD, NEW).timings}
    assert list(timings) == ["app_start_s", "suite_s"]  # the report's order
    assert timings["suite_s"].notable
    assert not timings["app_start_s"].notable  # 10 ms: noise
    assert TimingChange("x", None, 1.0).notable
    assert not TimingChange("x", 0.001, 0.004).notable  # 4x, but 3 ms


def test_results_of_different_submissions_are_flagged() -> None:
    diff = diff_results(OLD, _result(submission_sha256="cd" * 32))
    assert not diff.same_submission
    assert describe_diff(diff)[0] == "warning: the two results are of different submissions"


def test_the_description_says_each_change_on_a_line() -> None:
    lines = describe_diff(diff_results(OLD, NEW))
    assert lines[0] == "score: 66.67 -> 75 (+8.33)"
    assert "status: graded (unchanged)" in lines
    assert "  tests/test_app.py::test_b: failed -> passed" in lines
    assert "  tests/test_app.py::test_c: passed -> absent" in lines
    assert "challenge version: aaaa1111 -> bbbb2222" in lines
    assert "grader version: 0.1.0 -> 0.2.0" in lines
    assert "timing suite_s: 1.00 s -> 2.00 s  (notable)" in lines


def test_odd_timings_from_a_document_are_shown_as_missing() -> None:
    odd = _result(timings={"suite_s": "slow", "run_s": True})
    diff = diff_results(OLD, odd)
    values = {t.name: (t.old, t.new) for t in diff.timings}
    assert values["suite_s"] == (1.0, None) and values["run_s"] == (None, None)


# -- grader diff ------------------------------------------------------------------------------


def _write(path: Path, result: Result) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(result.to_json())
    return path


def test_grader_diff_prints_what_changed(tmp_path: Path) -> None:
    old = _write(tmp_path / "old" / "result.json", OLD)
    new = _write(tmp_path / "new" / "result.json", NEW)
    done = CliRunner().invoke(cli, ["diff", str(old), str(new)])
    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[0] == "score: 66.67 -> 75 (+8.33)"
    as_json = CliRunner().invoke(cli, ["diff", "--json", str(old), str(new)])
    document = json.loads(as_json.output)
    assert document["new_score"] == 75.0 and len(document["tests"]) == 4


@pytest.mark.parametrize("problem", ["missing", "not json", "not a result", "a folder"])
def test_grader_diff_of_a_bad_file_is_one_line_and_exit_2(tmp_path: Path, problem: str) -> None:
    good = _write(tmp_path / "good.json", OLD)
    bad = tmp_path / "bad.json"
    if problem == "not json":
        bad.write_text("{")
    elif problem == "not a result":
        bad.write_text('{"schema": "grader.result/1"}')
    elif problem == "a folder":
        bad.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "grader.cli", "diff", str(good), str(bad)],
        capture_output=True,
        text=True,
        env={**os.environ, "GRADER_REPORTS_DIR": str(tmp_path / "reports")},
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "bad.json" in lines[0]
    assert done.stdout == ""


def test_a_renamed_and_changed_suite_reads_as_removed_and_added() -> None:
    renamed = replace(OLD, tests=tuple(replace(t, id=t.id + "[x]") for t in OLD.tests))
    diff = diff_results(OLD, renamed)
    assert len(diff.added_tests) == 3 and len(diff.removed_tests) == 3
