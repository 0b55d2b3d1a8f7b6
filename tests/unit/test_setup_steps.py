"""``[app] setup``: commands run in the app's folder before it starts, bounded, reported.

Run bare (the supervisor's same code path as in the container; the Docker proof that the steps
run as the candidate's user is in tests/integration/test_sandbox.py).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from grader.challenges import load_challenge
from grader.config import Settings
from grader.errors import ChallengeError
from grader.pipeline import grade_path
from grader.sandbox.bare import BareSandbox

FIXTURES = Path(__file__).parents[1] / "fixtures"
# The app serves what its set-up step wrote; importing it fails if the step never ran.
APP = """
from pathlib import Path
from flask import Flask

app = Flask(__name__)
SEEDED = Path("seeded.txt").read_text()


@app.get("/")
def home():
    return SEEDED
"""
SEED = """
import os, sys
print("seeding", *sys.argv[1:])
open("seeded.txt", "w").write(" ".join(sys.argv[1:]) + " " + os.environ["PROBE_SETTING"])
"""
TEST = """
def test_the_app_serves_what_set_up_seeded(client):
    \"\"\"the set-up steps ran, in order, before the app started\"\"\"
    assert client.get("/").text == "one two from-manifest"
"""


@pytest.fixture(scope="module")
def bare():
    return BareSandbox()


def _challenge(tmp_path: Path, setup: list[str], limits: str = "") -> tuple[object, Path]:
    root = tmp_path / "sandbox-probe"
    shutil.copytree(FIXTURES / "challenges" / "sandbox-probe", root)
    manifest = root / "challenge.toml"
    text = manifest.read_text().replace(
        'entry = "app:app"', f'entry = "app:app"\nsetup = {json.dumps(setup)}'
    )
    manifest.write_text(text.replace("[limits]", f"[limits]\n{limits}"))
    (root / "tests" / "test_probe.py").write_text(TEST)
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "app.py").write_text(APP)
    (submission / "seed.py").write_text(SEED)
    return load_challenge(root), submission


def _grade(tmp_path, bare, settings, setup, limits=""):
    challenge, submission = _challenge(tmp_path, setup, limits)
    return grade_path(challenge=challenge, path=submission, sandbox=bare, settings=settings)


def test_steps_run_in_order_in_the_app_folder_before_it_starts(tmp_path, bare, settings):
    result = _grade(tmp_path, bare, settings, ["python seed.py one", "python seed.py one two"])
    assert result.status == "graded", (result.reason, result.app_log)
    assert result.score == 100
    # each step's command and output lead the app log, in order
    first, second = result.app_log.index("$ python seed.py one\n"), result.app_log.index("two\n")
    assert first < result.app_log.index("seeding one\n") < second
    assert "app_setup_s" in result.timings


def test_a_failing_step_ends_the_run_as_app_failed_with_its_exit_and_output(
    tmp_path, bare, settings
):
    result = _grade(
        tmp_path,
        bare,
        settings,
        ["python seed.py one", "python -c \"import sys; print('no table user'); sys.exit(3)\""],
    )
    assert result.status == "app_failed"
    assert result.reason.startswith("set-up step 2 (`python -c")
    assert "failed with exit 3" in result.reason
    assert result.reason.endswith("no table user")
    assert "no table user" in result.app_log


def test_a_missing_program_fails_as_a_shell_would_say(tmp_path, bare, settings):
    result = _grade(tmp_path, bare, settings, ["flsk --app app init-db"])
    assert result.status == "app_failed"
    assert result.reason == (
        "set-up step 1 (`flsk --app app init-db`) failed with exit 127:\n"
        "flsk: No such file or directory"
    )


def test_a_step_that_hangs_is_stopped_at_the_set_up_budget(tmp_path, bare, settings):
    sleeper = "python -c \"print('waiting', flush=True); import time; time.sleep(60)\""
    result = _grade(tmp_path, bare, settings, [sleeper], limits="setup_timeout_s = 2")
    assert result.status == "app_failed"
    assert "did not finish within the set-up budget of 2 s" in result.reason
    assert result.reason.endswith("waiting")
    assert result.timings["total_s"] < 15


def test_the_set_up_budget_is_added_to_the_run_deadline(tmp_path):
    from grader.grading import run_limits

    challenge, _ = _challenge(tmp_path, ["python seed.py"], limits="setup_timeout_s = 20")
    limits = run_limits(Settings(), challenge)
    assert limits.wall_s(True) == limits.deadline_s + 20
    assert limits.wall_s(False) == limits.deadline_s


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ('"python seed.py"', None),  # one command as a string is one step
        ("[1]", "setup must be a list of commands (strings)"),
        ('[""]', "setup step 1 is empty"),
        ('["python \'seed.py"]', 'setup step 1 ("python \'seed.py") does not parse'),
        ('["flask init-db && flask run"]', "uses &&: steps run without a shell"),
        ('["python seed.py > out.txt"]', "uses >: steps run without a shell"),
        (json.dumps(["true"] * 11), "setup has 11 steps; at most 10"),
    ],
)
def test_bad_set_up_steps_are_refused_with_the_reason(tmp_path, setup, message):
    root = tmp_path / "sandbox-probe"
    shutil.copytree(FIXTURES / "challenges" / "sandbox-probe", root)
    manifest = root / "challenge.toml"
    manifest.write_text(
        manifest.read_text().replace('entry = "app:app"', f'entry = "app:app"\nsetup = {setup}')
    )
    if message is None:
        assert load_challenge(root).setup == ("python seed.py",)
        return
    with pytest.raises(ChallengeError, match=r"challenge\.toml") as caught:
        load_challenge(root)
    assert message in str(caught.value)
