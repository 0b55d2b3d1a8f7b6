"""Scoring is a pure function of outcomes and weights; formulas run restricted."""

from __future__ import annotations

import pytest

from grader.errors import ChallengeError
from grader.results import TestResult
from grader.scoring import Cap, evaluate_formula, score_tests


def _row(outcome: str, weight: float = 1.0, skill: str = "routing") -> TestResult:
    return TestResult(f"t::{outcome}{weight}{skill}", "d", skill, weight, outcome, "", 0.0, False)


def test_score_is_the_weighted_share_of_passed_tests():
    score = score_tests([_row("passed", 3), _row("failed", 1)])
    assert score.score == 75.0


def test_skipped_and_errored_tests_earn_nothing():
    score = score_tests([_row("passed"), _row("skipped"), _row("error"), _row("failed")])
    assert score.score == 25.0


def test_skills_are_broken_down_by_weight():
    score = score_tests([_row("passed", 2, "a"), _row("failed", 2, "a"), _row("passed", 1, "b")])
    assert score.skills["a"].percent == 50.0
    assert score.skills["b"].percent == 100.0
    assert (score.skills["a"].passed, score.skills["a"].total) == (1, 2)


def test_no_tests_scores_zero():
    assert score_tests([]).score == 0.0


def test_formula_sees_weighted_and_skills_and_is_clamped():
    rows = [_row("passed", 1, "a"), _row("failed", 1, "b")]
    assert score_tests(rows, "weighted * 3").score == 100.0
    assert score_tests(rows, "min(skills['a'], skills['b'])").score == 0.0
    assert score_tests(rows, "weighted if passed >= 1 else 0").score == 50.0
    assert score_tests(rows, "min(skills[s] for s in skills) + 10").score == 10.0
    assert score_tests(rows, "weighted if all(skills[s] > 0 for s in ['a']) else 0").score == 50.0


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("9 ** 9 ** 9", "may not use Pow"),
        ("__import__('os').system('true')", "may not use Attribute"),
        ("__import__('os')", "starts with"),
        ("weighted.__class__", "may not use Attribute"),
        ("(lambda: 1)()", "may not use Lambda"),
        ("open('/etc/passwd')", "NameError"),
        ("'a' + 1", "only do arithmetic on numbers"),
        ("min()", "TypeError"),
        ("'text'", "must give a number"),
        ("weighted +", "not an expression"),
        ("1" * 600, "longer than"),
        ("len('a' * 99999999999)", "only do arithmetic on numbers"),
        ("len([0] * 99999999999)", "only do arithmetic on numbers"),
        ("sum(1 for _ in range(99999999999))", "NameError"),
        ("len(str(weighted))", "NameError"),
        ("-" * 490 + "weighted", "nested too deeply"),
        ("(" * 240 + "weighted" + ")" * 240, "nested"),
    ],
)
def test_hostile_formulas_are_refused(formula, message):
    with pytest.raises(ChallengeError, match=message):
        evaluate_formula(formula, {"weighted": 50.0})


def _req(outcome: str, *requirements: str, weight: float = 1.0) -> TestResult:
    return TestResult(
        f"t::{outcome}{requirements}{weight}",
        "d",
        "routing",
        weight,
        outcome,
        "",
        0.0,
        False,
        requirements=requirements,
    )


def test_a_named_cap_limits_the_score_and_says_so():
    rows = [_req("passed", "R1", weight=9), _req("failed", "R2")]
    caps = (
        Cap("open redirect", "requirements['R2'] < 100", 50),
        Cap("never applies", "requirements['R1'] < 100", 10),
    )
    score = score_tests(rows, caps=caps, requirements=["R1", "R2"])
    assert score.weighted == 90.0 and score.score == 50.0
    assert score.explanation["capped_by"] == "open redirect"
    assert [c["name"] for c in score.explanation["caps"]] == ["open redirect"]


def test_a_cap_above_the_score_changes_nothing():
    rows = [_req("passed", "R1"), _req("failed", "R2", weight=3)]
    score = score_tests(rows, caps=(Cap("lenient", "requirements['R2'] < 100", 60),))
    assert score.score == 25.0 and "capped_by" not in score.explanation


def test_the_formula_explanation_names_the_branch_and_the_smallest_term():
    rows = [_row("passed", 4, "a"), _row("failed", 1, "security")]
    formula = "weighted if skills['security'] == 100 else min(weighted, 40)"
    score = score_tests(rows, formula)
    assert score.score == 40.0
    assert score.explanation["formula_note"] == (
        "skills['security'] == 100 is false; min(weighted, 40): the term 40 = 40 is the smallest"
    )


def test_a_cap_condition_that_fails_is_a_challenge_error():
    with pytest.raises(ChallengeError, match="scoring cap 'broken' failed: KeyError"):
        score_tests([_row("passed")], caps=(Cap("broken", "requirements['R9'] < 1", 5),))
