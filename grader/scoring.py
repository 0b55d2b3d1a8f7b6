"""Scoring: a pure function from test outcomes and weights to a score and a per-skill breakdown.

A challenge may give a formula (hiring teams write it); it is compiled with RestrictedPython
and evaluated with a small set of safe names, never with ``eval`` on its own.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from RestrictedPython import compile_restricted_eval
from RestrictedPython.Eval import default_guarded_getitem

from grader.errors import ChallengeError
from grader.requirements import requirement_percentages
from grader.results import SkillScore, TestResult

FORMULA_MAX_CHARS = 500
# Only what a score needs: no range(), no constructors, nothing that can make a large object.
_FORMULA_BUILTINS = {
    "abs": abs,
    "min": min,
    "max": max,
    "round": round,
    "sum": sum,
    "len": len,
    "all": all,
    "any": any,
}


@dataclass(frozen=True)
class Cap:
    """A hiring team's named rule: when ``when`` holds, the score may not exceed ``max``."""

    name: str
    when: str
    max: float


@dataclass(frozen=True)
class Score:
    """The score of one run: the headline number and how it was reached."""

    score: float
    weighted: float
    skills: dict[str, SkillScore]
    explanation: dict[str, Any] = field(default_factory=dict)


def skill_breakdown(tests: Iterable[TestResult]) -> dict[str, SkillScore]:
    """Sum weights earned and possible per skill (skipped tests count as not earned)."""
    totals: dict[str, list[float]] = {}
    for test in tests:
        earned, possible, passed, total = totals.setdefault(test.skill, [0.0, 0.0, 0, 0])
        won = test.outcome == "passed"
        totals[test.skill] = [
            earned + (test.weight if won else 0.0),
            possible + test.weight,
            passed + int(won),
            total + 1,
        ]
    return {
        name: SkillScore(round(e, 3), round(p, 3), int(n), int(t))
        for name, (e, p, n, t) in sorted(totals.items())
    }


# Arithmetic, comparisons, conditionals, calls of the allowed names, and dict/generator reads.
# No `**` (9**9**9 would hang the host), no attributes, no lambdas, no walrus.
_FORMULA_NODES = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.Call,
    ast.Name, ast.Load, ast.Store, ast.Constant, ast.Subscript, ast.Tuple, ast.List,
    ast.GeneratorExp, ast.comprehension, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv,
    ast.Mod, ast.USub, ast.UAdd, ast.Not, ast.And, ast.Or, ast.Eq, ast.NotEq, ast.Lt,
    ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn,
)  # fmt: skip


def compile_formula(formula: str) -> Any:
    """Compile a manifest's scoring formula; raise ChallengeError when it is not allowed."""
    if len(formula) > FORMULA_MAX_CHARS:
        raise ChallengeError(f"scoring formula is longer than {FORMULA_MAX_CHARS} characters")
    try:
        return _checked_code(formula)
    except RecursionError as exc:  # the parser and RestrictedPython recurse per nesting level
        raise ChallengeError("scoring formula is nested too deeply") from exc


def _checked_code(formula: str) -> Any:
    try:
        tree = ast.parse(formula, mode="eval")
    except SyntaxError as exc:
        raise ChallengeError(f"scoring formula is not an expression: {exc.msg}") from exc
    for node in ast.walk(tree):
        if not isinstance(node, _FORMULA_NODES):
            raise ChallengeError(f"scoring formula may not use {type(node).__name__}")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult | ast.Add):
            for side in (node.left, node.right):
                if isinstance(side, ast.List | ast.Tuple | ast.GeneratorExp) or (
                    isinstance(side, ast.Constant) and isinstance(side.value, str | bytes)
                ):
                    # 'a' * 10**10 would allocate gigabytes on the host
                    raise ChallengeError("scoring formula may only do arithmetic on numbers")
    result = compile_restricted_eval(formula, "<scoring formula>")
    if result.errors or result.code is None:
        raise ChallengeError(f"scoring formula rejected: {'; '.join(result.errors)}")
    return result.code


def _evaluate(code: Any, variables: dict[str, Any], what: str) -> Any:
    namespace = {
        "__builtins__": _FORMULA_BUILTINS,
        "_getitem_": default_guarded_getitem,
        "_getiter_": iter,  # generators over `skills` or a literal list
        **variables,
    }
    try:
        return eval(code, namespace)
    except Exception as exc:
        raise ChallengeError(f"{what} failed: {type(exc).__name__}: {exc}") from exc


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ChallengeError(f"{what} must give a number, gave {type(value).__name__}")
    return float(value)


def evaluate_formula(formula: str, variables: dict[str, Any]) -> float:
    """Evaluate a scoring formula on ``variables``; the answer is clamped to 0..100."""
    value = _evaluate(compile_formula(formula), variables, "scoring formula")
    return max(0.0, min(100.0, _number(value, "scoring formula")))


def cap_applies(cap: Cap, variables: dict[str, Any]) -> bool:
    """Evaluate a cap's ``when`` condition on ``variables``."""
    return bool(_evaluate(compile_formula(cap.when), variables, f"scoring cap {cap.name!r}"))


def explain_formula(formula: str, variables: dict[str, Any]) -> str:
    """Say which branch and which term of a formula gave its value, in the formula's own text.

    Follows conditionals (``a if cond else b``) into the branch taken and names the smallest
    argument of a top-level ``min(...)``: for "weighted if skills['x'] == 100 else
    min(weighted, 40)" with x failing, "skills['x'] == 100 is false; min(weighted, 40): 40".
    """
    node = ast.parse(formula, mode="eval").body
    steps = []
    while isinstance(node, ast.IfExp):
        taken = bool(_evaluate(compile_formula(ast.unparse(node.test)), variables, "formula"))
        steps.append(f"{ast.unparse(node.test)} is {'true' if taken else 'false'}")
        node = node.body if taken else node.orelse
    text = ast.unparse(node)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "min":
        values = [
            (_number(_evaluate(compile_formula(ast.unparse(a)), variables, "formula"), "formula"),
             ast.unparse(a))
            for a in node.args
            if not isinstance(a, ast.Starred)
        ]  # fmt: skip
        if values:
            smallest = min(values)
            text = f"{text}: the term {smallest[1]} = {smallest[0]:g} is the smallest"
    steps.append(text)
    return "; ".join(steps)


def score_tests(
    tests: Iterable[TestResult],
    formula: str | None = None,
    caps: Sequence[Cap] = (),
    requirements: Iterable[str] = (),
) -> Score:
    """Score a run: the weighted percentage of passed tests (or the formula), then the caps.

    The explanation says what the score would be from the tests alone, and which rule (the
    formula's branch and term, or a named cap) brought it lower.
    """
    tests = list(tests)
    skills = skill_breakdown(tests)
    possible = sum(t.weight for t in tests)
    earned = sum(t.weight for t in tests if t.outcome == "passed")
    weighted = round(100 * earned / possible, 2) if possible else 0.0
    variables = {
        "weighted": weighted,
        "passed": sum(t.outcome == "passed" for t in tests),
        "failed": sum(t.outcome in ("failed", "error") for t in tests),
        "total": len(tests),
        "skills": {name: s.percent for name, s in skills.items()},
        "requirements": requirement_percentages(
            ((t.requirements, t.weight, t.outcome == "passed") for t in tests), requirements
        ),
    }
    score = weighted
    explanation: dict[str, Any] = {"weighted": weighted}
    if formula is not None:
        score = round(evaluate_formula(formula, variables), 2)
        explanation |= {"formula": formula, "formula_score": score}
        if score < weighted:
            explanation["formula_note"] = explain_formula(formula, variables)
    applied = [cap for cap in caps if cap_applies(cap, variables)]
    if applied:
        explanation["caps"] = [{"name": c.name, "when": c.when, "max": c.max} for c in applied]
        binding = min(applied, key=lambda c: c.max)
        if binding.max < score:
            score = binding.max
            explanation["capped_by"] = binding.name
    return Score(score, weighted, skills, explanation)
