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
HIDDEN = (
    "HIDDEN-CANARY-DESCRIPTION",
    "HIDDEN-CANARY-MESSAGE",
    "test_hidden_canary",
    "/canary",
    # A hidden test that crashes the app: its name, request, check, the app's answer and the
    # app's traceback stay hidden; only its hint and the count of server errors are shown.
    "HIDDEN-CRASH-DESCRIPTION",
    "HIDDEN-CRASH-MESSAGE",
    "test_hidden_crash",
    "explode-canary",
    "APP-TRACEBACK-CANARY",
    # A hidden test that passes: its hint is not shown either.
    "HINT-OF-A-PASSED-TEST",
)
CRASH_HINT = "HINT-CANARY a wrong input must not crash the app"
CANARY_SUITE = '''
import pytest


def test_hidden_canary(app_env, client):
    """HIDDEN-CANARY-DESCRIPTION"""
    fixture_value = {"sent": client.get("/canary").status_code, "env": app_env}
    assert fixture_value == {}, "HIDDEN-CANARY-MESSAGE"


@pytest.mark.skill("serving")
@pytest.mark.hint("HINT-CANARY a wrong input must not crash the app")
def test_hidden_crash(client):
    """HIDDEN-CRASH-DESCRIPTION"""
    response = client.get("/explode-canary")
    assert response.status_code == 400, "HIDDEN-CRASH-MESSAGE"


@pytest.mark.hint("HINT-OF-A-PASSED-TEST")
def test_hidden_passes(client):
    assert client.get("/").status_code == 200


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
    app = root / "solution" / "app.py"
    app.write_text(
        app.read_text()
        + '\n\n@app.get("/explode-canary")\ndef explode():\n'
        + '    raise RuntimeError("APP-TRACEBACK-CANARY")\n'
    )
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


def test_the_candidate_page_gives_the_hint_and_counts_the_crash(outputs: Path):
    page = (outputs / "candidate.html").read_text()
    assert page.count(CRASH_HINT) == 1
    assert "Your app crashed on 1 request</strong>" in page
    assert "1 server error (5xx) in the hidden tests of this skill" in page


def test_the_interviewer_sees_the_crash_its_hint_and_the_code(outputs: Path):
    report = (outputs / "report.html").read_text()
    for seen in ("HIDDEN-CRASH-MESSAGE", "APP-TRACEBACK-CANARY", CRASH_HINT, 'data-file="app.py"'):
        assert seen in report, seen


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
