"""A visible test that crashes the app shows the candidate the app's own traceback; a hidden one
never does (a real bare run: supervisor, suite and host share CLOCK_MONOTONIC).

The suite's order puts a hidden crash right before and right after the visible one, so that
the app's log of the hidden requests is near the visible request's window on both sides.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from grader.challenges import load_challenge
from grader.pipeline import grade_path, write_outputs
from grader.results import load_result
from grader.sandbox.bare import BareSandbox

PROBE = Path(__file__).parents[1] / "fixtures" / "challenges" / "sandbox-probe"
VISIBLE_MESSAGE = "VISIBLE-BOOM <b>&amp;</b>"
HIDDEN_CANARIES = ("HIDDEN-TRACEBACK-BEFORE", "HIDDEN-TRACEBACK-AFTER", "/hidden-boom")
ROUTES = """

@app.get("/visible-boom")
def visible_boom():
    raise ValueError("VISIBLE-BOOM <b>&amp;</b>\\x1b[31m")


@app.get("/hidden-boom/<which>")
def hidden_boom(which):
    raise RuntimeError(f"HIDDEN-TRACEBACK-{which.upper()}")
"""
SUITE = '''
import pytest


def test_a_hidden_crash_before(client):
    assert client.get("/hidden-boom/before").status_code == 200


@pytest.mark.visible
def test_b_visible_crash(client):
    """the visible page answers"""
    assert client.get("/").status_code == 200
    assert client.get("/visible-boom").status_code == 200


def test_c_hidden_crash_after(client):
    assert client.get("/hidden-boom/after").status_code == 200
'''


@pytest.fixture(scope="module", params=["bare", pytest.param("docker", marks=pytest.mark.docker)])
def outputs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, settings):
    """The same run bare and in the container: the container's clock is the host's."""
    root = tmp_path_factory.mktemp("app-log") / "sandbox-probe"
    shutil.copytree(PROBE, root)
    for probe_test in (root / "tests").glob("test_*.py"):
        probe_test.unlink()  # only this suite: its order is the point
    (root / "tests" / "test_crashes.py").write_text(SUITE)
    app = root / "solution" / "app.py"
    app.write_text(app.read_text() + ROUTES)
    sandbox = (
        BareSandbox() if request.param == "bare" else request.getfixturevalue("docker_sandbox")
    )
    try:
        result = grade_path(
            challenge=load_challenge(root),
            path=root / "solution",
            sandbox=sandbox,
            settings=settings,
        )
    finally:
        if request.param == "bare":
            sandbox.close()
    assert result.status == "graded", result.reason
    out = tmp_path_factory.mktemp("out")
    write_outputs(result, out)
    return out


def _tests(outputs: Path) -> dict[str, dict]:
    doc = json.loads((outputs / "result.json").read_text())
    return {t["id"].rpartition("::")[2]: t for t in doc["tests"]}


def test_the_visible_crash_carries_the_apps_traceback(outputs: Path):
    visible = _tests(outputs)["test_b_visible_crash"]
    ok, crash = visible["exchanges"]
    assert "app_log" not in ok  # a 200 gets no log
    assert crash["status"] == 500
    assert "Traceback (most recent call last)" in crash["app_log"]
    assert f"ValueError: {VISIBLE_MESSAGE}" in crash["app_log"]
    for canary in HIDDEN_CANARIES:
        assert canary not in crash["app_log"], canary


def test_the_candidate_page_shows_it_escaped(outputs: Path):
    page = (outputs / "candidate.html").read_text()
    assert "The app's log during this request" in page
    assert "ValueError: VISIBLE-BOOM &lt;b&gt;&amp;amp;&lt;/b&gt;\u241b[31m" in page
    assert "<b>" not in page and "\x1b" not in page


def test_no_hidden_crash_leaks_its_log_to_the_candidate(outputs: Path):
    page = (outputs / "candidate.html").read_text()
    for canary in HIDDEN_CANARIES:
        assert canary not in page, canary
    tests = _tests(outputs)
    for name in ("test_a_hidden_crash_before", "test_c_hidden_crash_after"):
        (exchange,) = tests[name]["exchanges"]
        assert exchange["status"] == 500 and "app_log" not in exchange


def test_the_result_keeps_no_clock_readings_and_round_trips(outputs: Path):
    text = (outputs / "result.json").read_text()
    for key in ('"t0"', '"t1"', '"t_next"'):
        assert key not in text
    result = load_result(text)
    assert json.loads(result.to_json())["tests"] == json.loads(text)["tests"]


def test_the_interviewer_sees_every_log(outputs: Path):
    report = (outputs / "report.html").read_text()
    assert report.count("data-app-log>") == 1  # the visible crash's own log
    for canary in ("HIDDEN-TRACEBACK-BEFORE", "HIDDEN-TRACEBACK-AFTER", "VISIBLE-BOOM"):
        assert canary in report  # the whole app log, as before
