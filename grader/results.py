"""The result document: one JSON per grading run, the single source every renderer reads.

Defined once here, versioned by ``SCHEMA``; written and read as JSON only. ``validate_result``
checks a document from disk before anything renders it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from grader.errors import InputRejected

SCHEMA = "grader.result/1"
STATUSES = ("graded", "app_failed", "timeout", "rejected", "sandbox_error")
OUTCOMES = ("passed", "failed", "error", "skipped")


@dataclass(frozen=True)
class TestResult:
    """One hidden or visible test's outcome, as the report shows it."""

    __test__ = False  # not a pytest test class

    id: str
    description: str
    skill: str
    weight: float
    outcome: str
    message: str
    duration_s: float
    visible: bool
    exchange: dict[str, Any] | None = None


@dataclass(frozen=True)
class SkillScore:
    """Weighted outcome of the tests of one skill."""

    earned: float
    possible: float
    passed: int
    total: int

    @property
    def percent(self) -> float:
        return round(100 * self.earned / self.possible, 1) if self.possible else 0.0


@dataclass(frozen=True)
class Result:
    """Everything one grading run established, with the provenance to audit it."""

    challenge: str
    challenge_title: str
    challenge_version: str
    submission_sha256: str
    submission_name: str
    status: str
    reason: str
    score: float
    tests: tuple[TestResult, ...] = ()
    skills: dict[str, SkillScore] = field(default_factory=dict)
    app_log: str = ""
    app_log_truncated: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    sandbox: dict[str, Any] = field(default_factory=dict)
    grader_version: str = ""
    graded_at: str = ""
    max_score: float = 100.0
    candidate: str = ""
    schema: str = SCHEMA

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready document."""
        doc = asdict(self)
        doc["tests"] = [asdict(t) for t in self.tests]
        doc["skills"] = {
            name: {**asdict(s), "percent": s.percent} for name, s in self.skills.items()
        }
        doc["passed"] = sum(t.outcome == "passed" for t in self.tests)
        doc["total"] = len(self.tests)
        return doc

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)


def _check(cond: bool, message: str) -> None:
    if not cond:
        raise InputRejected(f"not a valid result document: {message}")


def result_from_dict(doc: Any) -> Result:
    """Rebuild a Result from a document, checking every field a renderer relies on."""
    _check(isinstance(doc, dict), "top level is not an object")
    _check(doc.get("schema") == SCHEMA, f"schema is {doc.get('schema')!r}, expected {SCHEMA!r}")
    _check(doc.get("status") in STATUSES, f"status {doc.get('status')!r} is unknown")
    score = doc.get("score")
    _check(isinstance(score, int | float) and 0 <= score <= 100, "score must be 0 to 100")
    for key in ("challenge", "challenge_version", "submission_sha256", "reason"):
        _check(isinstance(doc.get(key), str), f"{key} must be a string")
    tests = doc.get("tests", [])
    _check(isinstance(tests, list), "tests must be a list")
    rows = []
    for row in tests:
        _check(isinstance(row, dict) and row.get("outcome") in OUTCOMES, "a test has no outcome")
        try:
            rows.append(
                TestResult(**{k: row[k] for k in TestResult.__dataclass_fields__ if k in row})
            )
        except TypeError as exc:
            raise InputRejected(
                f"not a valid result document: test {row.get('id')!r}: {exc}"
            ) from exc
    skills = {}
    for name, s in (doc.get("skills") or {}).items():
        _check(isinstance(s, dict), f"skill {name!r} is not an object")
        skills[name] = SkillScore(s["earned"], s["possible"], s["passed"], s["total"])
    fields_ = {k: doc[k] for k in Result.__dataclass_fields__ if k in doc}
    return Result(**{**fields_, "tests": tuple(rows), "skills": skills})


def load_result(text: str) -> Result:
    """Parse and check a result document's JSON text."""
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputRejected(f"not a valid result document: {exc}") from exc
    return result_from_dict(doc)
