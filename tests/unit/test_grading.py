"""Turning a run record into a result: every status has its reason, nothing is trusted blindly."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.challenges import load_challenge
from grader.config import Settings
from grader.grading import interpret, run_limits
from grader.intake import Submission
from grader.sandbox import SandboxRun

PROBE = Path(__file__).parents[1] / "fixtures" / "challenges" / "sandbox-probe"


@pytest.fixture(scope="module")
def challenge():
    return load_challenge(PROBE)


@pytest.fixture
def submission(tmp_path: Path) -> Submission:
    return Submission(root=tmp_path, sha256="f" * 64, files=("app.py",), source_name="app.py")


def _row(outcome: str, weight: float = 1.0) -> dict:
    return {
        "id": f"t.py::test_{outcome}",
        "description": "d",
        "skill": "serving",
        "weight": weight,
        "visible": False,
        "outcome": outcome,
        "message": "",
        "duration_s": 0.1,
        "exchange": None,
    }


def _graded_run(*rows: dict) -> SandboxRun:
    return SandboxRun(
        supervisor={"phase": "done", "app": {"started": True}, "suite": {"exit_code": 1}},
        raw_results={"tests": list(rows), "errors": []},
    )


def _interpret(challenge, submission, run):
    return interpret(challenge, submission, run, run_limits(Settings(), challenge))


def test_manifest_limits_only_tighten_the_defaults(challenge):
    limits = run_limits(Settings(memory_mb=128), challenge)
    assert limits.memory_mb == 128  # the manifest asks 256, the grader allows 128
    assert limits.deadline_s == 40


def test_graded_run_is_scored(challenge, submission):
    result = _interpret(challenge, submission, _graded_run(_row("passed", 3), _row("failed")))
    assert (result.status, result.score) == ("graded", 75.0)
    assert result.reason == "1 of 2 tests passed"


@pytest.mark.parametrize(
    ("run", "status", "reason"),
    [
        (SandboxRun(timed_out=True), "timeout", "deadline"),
        (SandboxRun(error="engine died"), "sandbox_error", "engine died"),
        (SandboxRun(oom_killed=True), "app_failed", "memory limit"),
        (SandboxRun(exit_code=1), "sandbox_error", "without a report"),
        (SandboxRun(supervisor={"phase": "crashed", "error": "boom"}), "sandbox_error", "boom"),
        (
            SandboxRun(supervisor={"app": {"started": False, "reason": "SyntaxError"}}),
            "app_failed",
            "SyntaxError",
        ),
        (
            SandboxRun(
                supervisor={"app": {"started": True}, "suite": {"timed_out": True, "timeout_s": 9}}
            ),
            "timeout",
            "9 s",
        ),
        (
            SandboxRun(supervisor={"app": {"started": True}, "suite": {}}),
            "sandbox_error",
            "no results",
        ),
        (
            SandboxRun(
                supervisor={"app": {"started": True}},
                raw_results={"tests": [], "errors": ["x.py: boom"]},
            ),
            "sandbox_error",
            "failed to load",
        ),
    ],
)
def test_each_status_has_a_reason(challenge, submission, run, status, reason):
    result = _interpret(challenge, submission, run)
    assert result.status == status
    assert reason in result.reason
    assert result.score == 0


@pytest.mark.parametrize(
    "row",
    [
        {**_row("passed"), "weight": float("inf")},
        {**_row("passed"), "weight": -1},
        {**_row("passed"), "outcome": "won"},
        {"outcome": "passed"},
    ],
)
def test_malformed_rows_are_a_sandbox_error_not_a_score(challenge, submission, row):
    result = _interpret(challenge, submission, _graded_run(row))
    assert result.status == "sandbox_error"
    assert result.score == 0


def test_text_from_responses_is_capped(challenge, submission):
    row = {
        **_row("failed"),
        "message": "x" * 100_000,
        "exchanges": [{"response_body": "y" * 100_000, "status": 500, "failing": True}],
    }
    result = _interpret(challenge, submission, _graded_run(row))
    test = result.tests[0]
    assert len(test.message) < 2100
    assert len(test.exchanges[0]["response_body"]) < 4200
    assert test.exchanges[0]["status"] == 500
    assert test.exchanges[0]["failing"] is True
