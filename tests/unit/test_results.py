"""The result document round-trips through JSON and refuses malformed input."""

from __future__ import annotations

import json

import pytest

from grader.errors import InputRejected
from grader.results import Result, TestResult, load_result
from grader.scoring import skill_breakdown


def _result() -> Result:
    tests = (TestResult("t.py::test_a", "GET / works", "routing", 2.0, "passed", "", 0.01, True),)
    return Result(
        challenge="routing",
        challenge_title="Routing",
        challenge_version="abc",
        submission_sha256="0" * 64,
        submission_name="sub.zip",
        status="graded",
        reason="1 of 1 tests passed",
        score=100.0,
        tests=tests,
        skills=skill_breakdown(tests),
    )


def test_result_round_trips_through_json():
    original = _result()
    assert load_result(original.to_json()) == original


def test_document_holds_the_contract_fields():
    doc = json.loads(_result().to_json())
    for key in (
        "challenge",
        "challenge_version",
        "submission_sha256",
        "status",
        "reason",
        "score",
        "tests",
        "app_log",
        "timings",
        "sandbox",
        "grader_version",
    ):
        assert key in doc
    assert set(doc["tests"][0]) >= {
        "id",
        "description",
        "skill",
        "weight",
        "outcome",
        "message",
        "duration_s",
        "visible",
    }


def _with_test(**changes: object) -> str:
    doc = json.loads(_result().to_json())
    doc["tests"] = [{**doc["tests"][0], **changes}]
    return json.dumps(doc)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not a valid result document"),
        ("[]", "top level"),
        ('{"schema": "other"}', "schema"),
        (json.dumps({**json.loads(_result().to_json()), "score": 101}), "score"),
        (json.dumps({**json.loads(_result().to_json()), "status": "great"}), "status"),
        (json.dumps({**json.loads(_result().to_json()), "tests": [{"outcome": "won"}]}), "outcome"),
        (json.dumps({**json.loads(_result().to_json()), "skills": {"x": {}}}), "skill 'x'"),
        (json.dumps({**json.loads(_result().to_json()), "timings": [1]}), "timings"),
        (json.dumps({**json.loads(_result().to_json()), "sandbox": "x"}), "sandbox"),
        (_with_test(weight="heavy"), "weight"),
        (_with_test(duration_s=float("inf")), "duration_s"),
        (_with_test(visible="yes"), "visible"),
        (_with_test(description=None), "description"),
        pytest.param("[" * 100000 + "]" * 100000, "nested too deeply", id="deeply-nested"),
    ],
)
def test_malformed_documents_are_rejected_with_a_reason(text, message):
    with pytest.raises(InputRejected, match=message):
        load_result(text)
