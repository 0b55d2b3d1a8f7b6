"""Canary values planted in a hidden test and in [app.env] reach no candidate-facing output.

A real (bare) run of a suite whose hidden test fails quoting its fixture values and the
manifest's secret, and whose visible test quotes the secret too: the candidate's page and the
student-visible parts of gradescope.json carry none of it; the interviewer's report shows the
hidden failure but never the secret itself.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from grader.challenges import load_challenge
from grader.pipeline import grade_path, write_outputs
from grader.sandbox.bare import BareSandbox

PROBE = Path(__file__).parents[1] / "fixtures" / "challenges" / "sandbox-probe"
SECRET = "canary-secret-8c1f2e"
HIDDEN = ("HIDDEN-CANARY-DESCRIPTION", "HIDDEN-CANARY-MESSAGE", "test_hidden_canary", "/canary")
CANARY_SUITE = '''
import pytest


def test_hidden_canary(app_env, client):
    """HIDDEN-CANARY-DESCRIPTION"""
    fixture_value = {"sent": client.get("/canary").status_code, "env": app_env}
    assert fixture_value == {}, "HIDDEN-CANARY-MESSAGE"


@pytest.mark.visible
def test_visible_quotes_the_secret(app_env):
    """the visible test's message quotes [app.env]"""
    assert app_env["CANARY_SECRET"] == "something else"
'''


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory, settings) -> Path:
    root = tmp_path_factory.mktemp("canary") / "sandbox-probe"
    shutil.copytree(PROBE, root)
    manifest = root / "challenge.toml"
    manifest.write_text(
        manifest.read_text().replace("[app.env]", f'[app.env]\nCANARY_SECRET = "{SECRET}"')
    )
    (root / "tests" / "test_canary.py").write_text(CANARY_SUITE)
    challenge = load_challenge(root)
    sandbox = BareSandbox()
    try:
        result = grade_path(
            challenge=challenge, path=root / "solution", sandbox=sandbox, settings=settings
        )
    finally:
        sandbox.close()
    assert result.status == "graded", result.reason
    out = tmp_path_factory.mktemp("out")
    write_outputs(result, out)
    return out


def _student_visible_gradescope(path: Path) -> str:
    doc = json.loads(path.read_text())
    shown = [t for t in doc["tests"] if t["visibility"] != "hidden"]
    return json.dumps({"output": doc["output"], "tests": shown})


def test_the_candidate_page_has_no_hidden_test_and_no_secret(outputs: Path):
    page = (outputs / "candidate.html").read_text()
    for canary in (*HIDDEN, SECRET):
        assert canary not in page, canary
    assert "&lt;app.env CANARY_SECRET&gt;" in page  # the visible failure, redacted


def test_gradescope_shows_students_no_hidden_test_and_no_secret(outputs: Path):
    visible = _student_visible_gradescope(outputs / "gradescope.json")
    for canary in (*HIDDEN, SECRET):
        assert canary not in visible, canary
    hidden = json.loads((outputs / "gradescope.json").read_text())["tests"]
    assert any("HIDDEN-CANARY-DESCRIPTION" in t["name"] for t in hidden)


def test_no_output_at_all_holds_the_secret(outputs: Path):
    for path in outputs.iterdir():
        assert SECRET not in path.read_text(), path.name


def test_the_interviewer_still_sees_the_hidden_failure(outputs: Path):
    report = (outputs / "report.html").read_text()
    assert "HIDDEN-CANARY-MESSAGE" in report and "HIDDEN-CANARY-DESCRIPTION" in report
    assert "&lt;app.env CANARY_SECRET&gt;" in report
