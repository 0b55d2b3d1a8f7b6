"""Validation measures the suite: mutants it misses, tests that flake, promises never tested."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from grader.challenges import load_challenge
from grader.results import Result, TestResult
from grader.sandbox.bare import BareSandbox
from grader.scoring import Cap
from grader.validation import (
    ValidationReport,
    _cause,
    _check_flaky,
    _check_requirements,
    _check_scoring_rules,
    run_mutants,
)

PROBE = Path(__file__).parents[1] / "fixtures" / "challenges" / "mutation-probe"


def _run(*tests: TestResult) -> Result:
    return Result("c", "C", "v", "sha", "s", "graded", "", 100.0, tests=tests)


def _test(name: str, outcome: str = "passed", *requirements: str) -> TestResult:
    return TestResult(
        f"t.py::{name}", name, "s", 1.0, outcome, "", 0.0, False, requirements=requirements
    )


def _check(report: ValidationReport, name_part: str):
    return next(c for c in report.checks if name_part in c.name)


def test_a_test_whose_outcome_depends_on_the_order_is_named_with_the_seeds():
    report = ValidationReport("c")
    runs = [
        _run(_test("a"), _test("b")),
        _run(_test("a"), _test("b", "failed")),
        _run(_test("a"), _test("b")),
    ]
    _check_flaky([None, 11, 12], runs, report)
    check = _check(report, "changes outcome")
    assert not check.ok
    assert check.detail == "t.py::b: passed in file order and seed 12, failed in seed 11"


def test_stable_runs_pass_the_flaky_check():
    report = ValidationReport("c")
    _check_flaky([None, 3], [_run(_test("a")), _run(_test("a"))], report)
    assert _check(report, "changes outcome").ok


@pytest.mark.parametrize(
    ("tests", "problem"),
    [
        ((_test("a", "passed", "R1"),), "no test checks R2"),
        ((_test("a", "passed", "R1", "R2", "R4"),), "requirements the statement lacks: R4"),
        ((_test("a", "passed", "R1", "R2"), _test("b")), "1 tests name no requirement: t.py::b"),
    ],
)
def test_requirements_no_test_checks_fail_validation(tests, problem):
    challenge = replace(load_challenge(PROBE), requirements={"R1": "one", "R2": "two"})
    report = ValidationReport("c")
    _check_requirements(challenge, _run(*tests), report)
    check = _check(report, "requirement")
    assert not check.ok and problem in check.detail


def test_a_statement_that_skips_a_number_or_numbers_nothing_fails():
    challenge = replace(load_challenge(PROBE), requirements={"R1": "one", "R3": "three"})
    report = ValidationReport("c")
    _check_requirements(challenge, _run(_test("a", "passed", "R1", "R3")), report)
    assert "numbering skips R2" in _check(report, "requirement").detail
    report = ValidationReport("c")
    _check_requirements(replace(challenge, requirements={}), _run(_test("a")), report)
    assert "numbers no requirements" in _check(report, "requirement").detail


@pytest.fixture(scope="module")
def bare():
    sandbox = BareSandbox()
    yield sandbox
    sandbox.close()


def test_mutants_the_suite_misses_are_listed_equivalents_excused_stale_ones_named(
    bare, settings, tmp_path
):
    """The probe's suite never sends a 10-character name: `> 10` -> `>= 10` survives."""
    root = tmp_path / "mutation-probe"
    shutil.copytree(PROBE, root)
    manifest = root / "challenge.toml"
    manifest.write_text(
        manifest.read_text()
        + "\n[mutation]\nequivalent = [\n"
        + '  { id = "app.py:9:flag:1", reason = "the suite sends only JSON" },\n'
        + '  { id = "app.py:16:status-code:1", reason = "not really" },\n'
        + '  { id = "app.py:99:call:1", reason = "no such line" },\n]\n'
    )
    challenge = load_challenge(root)
    mutation = run_mutants(challenge, sandbox=bare, settings=settings, limit=None, workers=2)
    outcomes = {o.mutant.id: o for o in mutation.outcomes}
    assert outcomes["app.py:13:compare:1"].verdict == "survived"  # the limit's accepted side
    assert outcomes["app.py:13:number:1"].verdict == "killed"  # 11 characters: tested
    assert outcomes["app.py:7:decorator:1"].verdict == "killed"
    assert outcomes["app.py:16:status-code:1"].verdict == "killed"
    assert outcomes["app.py:9:flag:1"].verdict == "equivalent"
    assert outcomes["app.py:9:flag:1"].detail == "the suite sends only JSON"
    assert mutation.stale_equivalents == ["app.py:16:status-code:1", "app.py:99:call:1"]
    assert mutation.count("error") == 0
    considered = len(mutation.outcomes) - 1
    assert mutation.score == round(100 * mutation.count("killed") / considered, 1) < 90


def test_scoring_rules_that_read_a_missing_requirement_or_skill_fail():
    challenge = replace(
        load_challenge(PROBE),
        formula="weighted if skills['nope'] == 100 else 10",
        caps=(
            Cap("typo", "requirements['R33'] < 100", 50),
            Cap("fine", "requirements['R1'] < 1", 9),
        ),
    )
    report = ValidationReport("c")
    _check_scoring_rules(challenge, report)
    check = _check(report, "scoring rules")
    assert not check.ok
    assert "formula reads skills['nope'], which does not exist" in check.detail
    assert "cap “typo” reads requirements['R33'], which does not exist" in check.detail
    assert "“fine”" not in check.detail


def test_a_failing_reference_is_explained_by_its_tests_and_the_app_log():
    failing = replace(_test("a", "failed"), message="assert 500 == 200\nmore detail")
    run = replace(
        _run(failing, _test("b")),
        score=50.0,
        app_log="INFO serving\nsqlite3.OperationalError: no such table: user\nINFO done\n",
    )
    assert _cause(run) == (
        "\nt.py::a: assert 500 == 200\napp log: sqlite3.OperationalError: no such table: user"
    )


def test_a_reference_that_never_ran_skips_the_checks_that_read_its_tests(tmp_path, settings):
    """A broken reference is the finding; "0 hidden, 0 visible" would blame the suite."""
    from grader.validation import SUITE_CHECKS, validate_challenge

    root = tmp_path / "mutation-probe"
    shutil.copytree(PROBE, root)
    (root / "solution" / "app.py").write_text("def broken(:\n")
    report = validate_challenge(
        load_challenge(root), sandbox=BareSandbox(), settings=settings, mutants=5
    )
    assert not report.ok
    reference = next(c for c in report.checks if c.name.startswith("reference scores 100"))
    assert not reference.ok and not reference.skipped and "app_failed" in reference.detail
    skipped = {c.name: c.detail for c in report.checks if c.skipped}
    assert set(skipped) == {*SUITE_CHECKS, "mutation testing"}
    assert skipped[SUITE_CHECKS[1]] == "skipped: the reference was not graded (app_failed)"
    assert all(c.ok for c in report.checks if c.name.startswith("starter"))
