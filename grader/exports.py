"""Standard exports of a result document, so results flow into tools teams already use."""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from grader.reports.views import candidate_view
from grader.results import Result, TestResult

# XML 1.0 allows tab, LF, CR and U+0020 up; a Python str may also hold lone surrogates
# (from surrogateescape), which no UTF-8 file can carry, and U+FFFE/U+FFFF are non-characters.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SURROGATES = re.compile("[\ud800-\udfff]")
# Keys the total run time may be recorded under, preferred first.
_TOTAL_TIME_KEYS = ("total_s", "total", "sandbox_s")
# Below this, the formula score and the per-test points agree up to rounding.
_SCORE_TOLERANCE = 0.05
_JUNIT_ELEMENT = {"failed": "failure", "error": "error", "skipped": "skipped"}


def _xml_text(value: object) -> str:
    """Return value as a string XML 1.0 can hold, dropping what it cannot."""
    return _NOT_XML.sub("", str(value))


def _json_text(value: str) -> str:
    """Return value without lone surrogates, which no UTF-8 reader accepts."""
    return _SURROGATES.sub("", value)


def _seconds(value: float) -> str:
    return f"{max(value, 0.0):.3f}" if math.isfinite(value) else "0.000"


def _total_time(result: Result) -> float:
    for key in _TOTAL_TIME_KEYS:
        value = result.timings.get(key)
        if isinstance(value, int | float) and math.isfinite(value):
            return max(float(value), 0.0)
    return 0.0


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _junit_testcase(parent: ET.Element, test: TestResult, challenge: str) -> None:
    case = ET.SubElement(
        parent,
        "testcase",
        classname=_xml_text(f"{challenge}.{test.skill}"),
        name=_xml_text(test.id),
        time=_seconds(test.duration_s),
    )
    tag = _JUNIT_ELEMENT.get(test.outcome)
    if tag is None:
        return
    message = _xml_text(test.message)
    # The attribute is the one-line summary CI tools list; the body keeps the full message.
    child = ET.SubElement(case, tag, message=_first_line(message) if tag != "skipped" else message)
    if tag != "skipped":
        child.text = message


def to_junit_xml(result: Result) -> str:
    """Render the result as a JUnit XML document; a run without a grade always shows red."""
    tests = list(result.tests)
    counts = {tag: sum(t.outcome == o for t in tests) for o, tag in _JUNIT_ELEMENT.items()}
    # A run that did not finish grading must fail in CI even if its partial tests passed.
    synthetic = result.status != "graded" or not tests
    counts["error"] += synthetic
    total = len(tests) + synthetic
    elapsed = _total_time(result) or sum(max(t.duration_s, 0.0) for t in tests)
    summary = {
        "tests": str(total),
        "failures": str(counts["failure"]),
        "errors": str(counts["error"]),
        "skipped": str(counts["skipped"]),
        "time": _seconds(elapsed),
    }

    attributes = {"name": _xml_text(result.challenge), **summary}
    root = ET.Element("testsuites", attributes)
    suite = ET.SubElement(root, "testsuite", attributes)
    if result.graded_at:
        suite.set("timestamp", _xml_text(result.graded_at))
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("score", result.score),
        ("max_score", result.max_score),
        ("status", result.status),
        ("reason", result.reason),
        ("challenge_version", result.challenge_version),
        ("submission_sha256", result.submission_sha256),
        ("grader_version", result.grader_version),
    ):
        ET.SubElement(properties, "property", name=name, value=_xml_text(value))

    for test in tests:
        _junit_testcase(suite, test, result.challenge)
    if synthetic:
        case = ET.SubElement(
            suite, "testcase", classname=_xml_text(result.challenge), name="grading", time="0.000"
        )
        reason = result.reason or "no tests ran"
        error = ET.SubElement(
            case,
            "error",
            message=_xml_text(f"{result.status}: {reason}"),
            type=_xml_text(result.status),
        )
        error.text = _xml_text(reason)

    system_out = ET.SubElement(suite, "system-out")
    log = result.app_log + ("\n[app log truncated]" if result.app_log_truncated else "")
    system_out.text = _xml_text(log)

    ET.indent(root)
    # tostring(encoding="unicode") would declare the locale's encoding, so declare it here.
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _max_points(tests: list[TestResult]) -> list[float]:
    """Split 100 points by weight, in cents, so the shares sum to exactly 100."""
    weights = [max(t.weight, 0.0) for t in tests]
    total = sum(weights)
    if not total:
        return [0.0] * len(tests)
    exact = [round(10000 * w / total, 6) for w in weights]
    cents = [math.floor(x) for x in exact]
    # Largest remainder: hand the cents lost to flooring to the tests that lost the most.
    by_remainder = sorted(range(len(tests)), key=lambda i: exact[i] - cents[i], reverse=True)
    for i in by_remainder[: 10000 - sum(cents)]:
        cents[i] += 1
    return [c / 100 for c in cents]


def _gradescope_output(test: TestResult) -> str:
    # Gradescope knows only passed and failed; keep error and skipped visible in the text.
    if test.outcome in ("error", "skipped"):
        return f"{test.outcome}: {test.message}" if test.message else test.outcome
    return test.message


def to_gradescope(result: Result) -> dict[str, Any]:
    """Render the result as a Gradescope results.json document; hidden tests stay hidden.

    Students see the top-level output and visible tests only: the output is the candidate
    view's own reason (a grader error's reason may quote the hidden suite), and hidden tests
    use Gradescope's ``hidden`` visibility, never shown to students, even once published.
    """
    tests = list(result.tests)
    rows: list[dict[str, Any]] = []
    for number, (test, possible) in enumerate(zip(tests, _max_points(tests), strict=True), 1):
        passed = test.outcome == "passed"
        rows.append(
            {
                "name": _json_text(test.description or test.id),
                "number": str(number),
                "score": possible if passed else 0.0,
                "max_score": possible,
                "status": "passed" if passed else "failed",
                "output": _json_text(_gradescope_output(test)),
                "visibility": "visible" if test.visible else "hidden",
                "tags": [_json_text(test.skill)],
            }
        )

    view = candidate_view(result)
    output = f"{view.status}: {view.reason}" if view.reason else f"{view.status}: no tests ran"
    earned = round(sum(row["score"] for row in rows), 2)
    if rows and abs(earned - result.score) > _SCORE_TOLERANCE:
        output += (
            f" A scoring rule of this challenge capped the score at {result.score:g};"
            f" the per-test points sum to {earned:g}."
        )
    return {
        "score": result.score,
        "max_score": result.max_score,
        "execution_time": round(_total_time(result), 3),
        "output": _json_text(output),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": rows,
    }


def export_text(result: Result, name: str) -> str:
    """The text of one downloadable file of a result: result.json, junit.xml, gradescope.json."""
    if name == "result.json":
        return result.to_json()
    if name == "junit.xml":
        return to_junit_xml(result)
    if name == "gradescope.json":
        return json.dumps(to_gradescope(result), indent=2) + "\n"
    raise ValueError(f"no export called {name!r}")


def write_exports(result: Result, out_dir: Path) -> None:
    """Write junit.xml and gradescope.json into out_dir, creating it if needed."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "junit.xml").write_text(to_junit_xml(result), encoding="utf-8")
    (out_dir / "gradescope.json").write_text(
        json.dumps(to_gradescope(result), indent=2) + "\n", encoding="utf-8"
    )
