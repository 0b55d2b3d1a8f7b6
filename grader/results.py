"""The result document: one JSON per grading run, the single source every renderer reads.

Defined once here, versioned by ``SCHEMA``; written and read as JSON only. ``validate_result``
checks a document from disk before anything renders it.
"""

from __future__ import annotations

import json
import math
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
    # A failure's HTTP exchanges in order, the one its failing line looked at has failing=True;
    # a visible test's 5xx answers carry ``app_log``, what the app logged serving them.
    exchanges: tuple[dict[str, Any], ...] = ()
    exchanges_dropped: int = 0  # earlier exchanges of a long test, not kept
    requirements: tuple[str, ...] = ()  # the statement's ids this test checks ("R3")
    hint: str = ""  # the suite author's advice to a candidate who fails this test


@dataclass(frozen=True)
class SubmittedFile:
    """One submitted file as the interviewer's code view shows it: capped at intake's copy."""

    path: str  # relative posix path in the submission
    size_bytes: int
    text: str  # what is shown (UTF-8, cut to the caps); empty for a binary file
    binary: bool = False
    cut: str = ""  # what was left out of ``text``, in words; empty when shown whole


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
    # The statement's numbered requirements checked by the suite: id -> the statement's words.
    requirements: dict[str, str] = field(default_factory=dict)
    # How the score was reached: weighted percentage, formula and its branch, caps that applied.
    scoring: dict[str, Any] = field(default_factory=dict)
    # The submitted files for the interviewer's code view (never the candidate's), capped;
    # ``files_cut`` says what the caps left out as a whole (files not listed, text budget).
    files: tuple[SubmittedFile, ...] = ()
    files_cut: str = ""
    schema: str = SCHEMA

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready document."""
        doc = asdict(self)
        doc["tests"] = [
            {**asdict(t), "exchanges": list(t.exchanges), "requirements": list(t.requirements)}
            for t in self.tests
        ]
        doc["files"] = [asdict(f) for f in self.files]
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


_NUMBER = (int, float)
_TEST_FIELDS: dict[str, Any] = {
    "id": str, "description": str, "skill": str, "weight": _NUMBER, "outcome": str,
    "message": str, "duration_s": _NUMBER, "visible": bool,
}  # fmt: skip
_OPTIONAL_FIELDS: dict[str, Any] = {
    "challenge_title": str, "submission_name": str, "app_log": str, "app_log_truncated": bool,
    "timings": dict, "sandbox": dict, "grader_version": str, "graded_at": str,
    "max_score": _NUMBER, "candidate": str, "requirements": dict, "scoring": dict,
    "files": list, "files_cut": str,
}  # fmt: skip
_FILE_FIELDS: dict[str, Any] = {
    "path": str, "size_bytes": int, "text": str, "binary": bool, "cut": str,
}  # fmt: skip
_SKILL_FIELDS = ("earned", "possible", "passed", "total")


def _is(value: Any, kind: Any) -> bool:
    """isinstance, except that a bool is not a number and numbers must be finite."""
    if isinstance(value, bool) and kind is not bool:
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return isinstance(value, kind)


def _test_from_dict(row: Any) -> TestResult:
    _check(isinstance(row, dict) and row.get("outcome") in OUTCOMES, "a test has no outcome")
    for key, kind in _TEST_FIELDS.items():
        _check(
            key in row and _is(row[key], kind), f"test {row.get('id')!r}: {key} is missing or wrong"
        )
    exchanges = row.get("exchanges")
    if exchanges is None:  # documents written before a failure kept all its exchanges
        exchanges = [row["exchange"]] if isinstance(row.get("exchange"), dict) else []
    _check(
        isinstance(exchanges, list) and all(isinstance(e, dict) for e in exchanges),
        f"test {row.get('id')!r}: exchanges must be a list of objects",
    )
    _check(
        all(isinstance(e.get("app_log", ""), str) for e in exchanges),
        f"test {row.get('id')!r}: an exchange's app_log must be text",
    )
    requirements = row.get("requirements", [])
    _check(
        isinstance(requirements, list) and all(isinstance(r, str) for r in requirements),
        f"test {row.get('id')!r}: requirements must be a list of ids",
    )
    dropped = row.get("exchanges_dropped", 0)
    _check(_is(dropped, int), f"test {row.get('id')!r}: exchanges_dropped must be a number")
    hint = row.get("hint", "")
    _check(isinstance(hint, str), f"test {row.get('id')!r}: hint must be text")
    return TestResult(
        **{key: row[key] for key in _TEST_FIELDS},
        exchanges=tuple(exchanges),
        exchanges_dropped=dropped,
        requirements=tuple(requirements),
        hint=hint,
    )


def _file_from_dict(item: Any) -> SubmittedFile:
    _check(isinstance(item, dict), "a submitted file is not an object")
    for key, kind in _FILE_FIELDS.items():
        _check(
            key in item and _is(item[key], kind),
            f"submitted file {item.get('path')!r}: {key} is missing or wrong",
        )
    return SubmittedFile(**{key: item[key] for key in _FILE_FIELDS})


def result_from_dict(doc: Any) -> Result:
    """Rebuild a Result from a document, checking every field a renderer relies on."""
    _check(isinstance(doc, dict), "top level is not an object")
    _check(doc.get("schema") == SCHEMA, f"schema is {doc.get('schema')!r}, expected {SCHEMA!r}")
    _check(doc.get("status") in STATUSES, f"status {doc.get('status')!r} is unknown")
    score = doc.get("score")
    _check(_is(score, _NUMBER) and 0 <= score <= 100, "score must be 0 to 100")
    for key in ("challenge", "challenge_version", "submission_sha256", "reason"):
        _check(isinstance(doc.get(key), str), f"{key} must be a string")
    for key, kind in _OPTIONAL_FIELDS.items():
        _check(key not in doc or _is(doc[key], kind), f"{key} has the wrong type")
    tests = doc.get("tests", [])
    _check(isinstance(tests, list), "tests must be a list")
    skills = doc.get("skills") or {}
    _check(isinstance(skills, dict), "skills must be an object")
    for name, s in skills.items():
        _check(
            isinstance(s, dict) and all(_is(s.get(k), _NUMBER) for k in _SKILL_FIELDS),
            f"skill {name!r} needs numbers {', '.join(_SKILL_FIELDS)}",
        )
    requirements = doc.get("requirements") or {}
    _check(
        all(isinstance(v, str) for v in requirements.values()),
        "requirements must map ids to text",
    )
    fields_ = {k: doc[k] for k in Result.__dataclass_fields__ if k in doc}
    return Result(
        **{
            **fields_,
            "tests": tuple(_test_from_dict(row) for row in tests),
            "files": tuple(_file_from_dict(item) for item in doc.get("files", [])),
            "skills": {
                name: SkillScore(*(s[k] for k in _SKILL_FIELDS)) for name, s in skills.items()
            },
        }
    )


def load_result(text: str) -> Result:
    """Parse and check a result document's JSON text."""
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputRejected(f"not a valid result document: {exc}") from exc
    except RecursionError as exc:
        raise InputRejected("not a valid result document: nested too deeply to read") from exc
    return result_from_dict(doc)
