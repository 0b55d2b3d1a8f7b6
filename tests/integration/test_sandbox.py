"""The sandbox keeps its promises against hostile submissions, on a real Docker engine."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import docker
import pytest

from grader.pipeline import grade_path, open_sandbox
from grader.sandbox.docker import (
    LABEL,
    LABEL_EXPIRES,
    LABEL_OWNER,
    labelled_containers,
    reap_orphans,
)

FIXTURES = Path(__file__).parents[1] / "fixtures"
SUBMISSIONS = FIXTURES / "submissions"
PROBE = FIXTURES / "challenges" / "sandbox-probe"

pytestmark = pytest.mark.docker


def _grade(challenge, name, sandbox, settings):
    started = time.monotonic()
    result = grade_path(
        challenge=challenge, path=SUBMISSIONS / name, sandbox=sandbox, settings=settings
    )
    return result, time.monotonic() - started


def _outcomes(result):
    return {t.id.rsplit("::", 1)[-1]: t for t in result.tests}


def _labelled_containers() -> list:
    client = docker.from_env()
    try:
        return labelled_containers(client)
    finally:
        client.close()


def _wait_for_a_container(grading: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while not _labelled_containers():
        assert grading.poll() is None, "the grader ended before a container appeared"
        assert time.monotonic() < deadline, "no container appeared"
        time.sleep(0.05)


def test_candidate_cannot_escape_the_sandbox(probe_challenge, docker_sandbox, settings):
    """Reading the tests, writing results, network, root, killing others: all denied."""
    result, _ = _grade(probe_challenge, "passes_all", docker_sandbox, settings)
    assert result.status == "graded", result.reason
    tests = _outcomes(result)
    assert tests["test_nothing_escapes"].outcome == "passed", tests["test_nothing_escapes"].message
    assert tests["test_env_is_allow_listed"].outcome == "passed", tests[
        "test_env_is_allow_listed"
    ].message
    assert result.score == 100
    assert result.sandbox["limits"]["network"] == "none"
    assert result.sandbox["image_id"].startswith("sha256:")


@pytest.mark.parametrize(
    ("submission", "reason"),
    [
        ("syntax_error", "SyntaxError"),
        ("exits_at_import", "exited with code 3"),
        ("never_listens", "did not start serving within 10 s"),
        ("runs_dev_server_at_import", "if __name__"),
    ],
)
def test_app_that_cannot_start_is_app_failed_with_reason(
    submission, reason, probe_challenge, docker_sandbox, settings
):
    result, elapsed = _grade(probe_challenge, submission, docker_sandbox, settings)
    assert result.status == "app_failed"
    assert reason in result.reason
    assert result.score == 0
    assert elapsed < probe_challenge.limits["deadline_s"]


def test_hanging_route_costs_one_test_not_the_run(probe_challenge, docker_sandbox, settings):
    result, elapsed = _grade(probe_challenge, "hanging_route", docker_sandbox, settings)
    assert result.status == "graded"
    home = _outcomes(result)["test_home_answers_ok"]
    assert home.outcome == "failed"
    assert "timeout" in home.message
    assert elapsed < probe_challenge.limits["deadline_s"]


@pytest.mark.parametrize(
    ("submission", "home_outcome"), [("fork_bomb", "passed"), ("memory_bomb", "failed")]
)
def test_bombs_are_contained(submission, home_outcome, probe_challenge, docker_sandbox, settings):
    """The bomb costs at most the test that set it off; the run ends and nothing is left."""
    result, elapsed = _grade(probe_challenge, submission, docker_sandbox, settings)
    assert result.status == "graded", result.reason
    assert _outcomes(result)["test_home_answers_ok"].outcome == home_outcome
    assert elapsed < probe_challenge.limits["deadline_s"]
    assert not _labelled_containers()


def test_forged_results_do_not_change_the_score(probe_challenge, docker_sandbox, settings):
    """Printing PASSED lines and writing result files everywhere leaves the real score, 0."""
    result, _ = _grade(probe_challenge, "forges_results", docker_sandbox, settings)
    assert result.status == "graded"
    assert result.score == 0
    assert "test_forged" not in {t.id for t in result.tests}
    assert "PASSED" in result.app_log  # what it printed is kept as log, never as results


def test_no_container_is_left_behind(probe_challenge, docker_sandbox, settings):
    _grade(probe_challenge, "passes_all", docker_sandbox, settings)
    assert not _labelled_containers()


def test_reaper_removes_orphans_and_spares_live_runs(docker_sandbox):
    client = docker.from_env()
    image = docker_sandbox.image
    expired = client.containers.create(
        image, ["true"], labels={LABEL: "run", LABEL_OWNER: "elsewhere:1", LABEL_EXPIRES: "1"}
    )
    alive = client.containers.create(
        image,
        ["true"],
        labels={LABEL: "run", LABEL_OWNER: "elsewhere:1", LABEL_EXPIRES: str(2**40)},
    )
    try:
        assert reap_orphans(client) == 1
        ids = {c["Id"] for c in _labelled_containers()}
        assert expired.id not in ids
        assert alive.id in ids
    finally:
        alive.remove(force=True, v=True)


def test_ctrl_c_mid_run_leaves_no_container(tmp_path):
    """SIGINT while a container runs: the CLI exits 130 and the container is removed."""
    command = [
        sys.executable, "-m", "grader.cli", "grade", str(PROBE), str(SUBMISSIONS / "hanging_route"),
        "--out", str(tmp_path),
    ]  # fmt: skip
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as grading:
        try:
            _wait_for_a_container(grading)
            grading.send_signal(signal.SIGINT)
            _, stderr = grading.communicate(timeout=60)
        finally:
            grading.kill()
    assert grading.returncode == 130
    assert stderr.strip() == "error: interrupted"
    assert not _labelled_containers()


@pytest.mark.parametrize(
    ("submission", "failing_test", "message"),
    [
        ("spins_cpu_in_request", "test_home_answers_ok", "timeout"),
        ("floods_output_while_serving", None, None),
        ("fills_disk", None, None),
        ("daemon_outlives_app", None, None),
    ],
)
def test_hostile_app_ends_in_bound_with_real_score(
    submission, failing_test, message, probe_challenge, docker_sandbox, settings
):
    """Each ends within its bound, graded on the real tests only, log capped, nothing left."""
    result, elapsed = _grade(probe_challenge, submission, docker_sandbox, settings)
    assert result.status == "graded", result.reason
    assert elapsed < probe_challenge.limits["deadline_s"]
    assert len(result.app_log.encode()) <= settings.log_cap_bytes
    assert {t.id.rsplit("::", 1)[-1] for t in result.tests} == {
        "test_home_answers_ok", "test_nothing_escapes", "test_env_is_allow_listed"
    }  # fmt: skip
    home = _outcomes(result)["test_home_answers_ok"]
    if failing_test:
        assert home.outcome == "failed"
        assert message in home.message
    else:
        assert home.outcome == "passed", home.message
    assert not _labelled_containers()


def test_flooded_log_is_marked_truncated(probe_challenge, docker_sandbox, settings):
    result, _ = _grade(probe_challenge, "floods_output_while_serving", docker_sandbox, settings)
    assert result.app_log_truncated


def test_grader_killed_mid_run_leaves_an_orphan_the_reaper_removes(tmp_path, docker_sandbox):
    command = [
        sys.executable, "-m", "grader.cli", "grade", str(PROBE), str(SUBMISSIONS / "hanging_route"),
        "--out", str(tmp_path),
    ]  # fmt: skip
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as grading:
        try:
            _wait_for_a_container(grading)
        finally:
            grading.kill()  # SIGKILL: no finally runs in it, the container is orphaned
    assert _labelled_containers()
    assert reap_orphans(docker.from_env()) >= 1  # what every grader start-up runs
    assert not _labelled_containers()


@pytest.mark.parametrize("submission", ["passes_all", "daemon_outlives_app"])
def test_a_warm_spare_grades_like_a_cold_run_and_goes_at_close(
    submission, probe_challenge, settings
):
    """A spare started before its job holds the same promises (the probe's escape and
    environment checks among them), runs one job only, and nothing outlives close()."""
    sandbox = open_sandbox(settings, spares=1)
    try:
        cold, _ = _grade(probe_challenge, submission, sandbox, settings)
        deadline = time.monotonic() + 30
        while len(_labelled_containers()) != 1:  # the spare, started after the cold run
            assert time.monotonic() < deadline, "no spare was started"
            time.sleep(0.05)
        (spare,) = _labelled_containers()
        warm, elapsed = _grade(probe_challenge, submission, sandbox, settings)
        assert spare["Id"] not in {c["Id"] for c in _labelled_containers()}  # used once, gone
    finally:
        sandbox.close()
    assert (cold.sandbox["warm"], warm.sandbox["warm"]) == (False, True)
    assert warm.status == cold.status == "graded", warm.reason
    assert elapsed < probe_challenge.limits["deadline_s"]
    assert {k: t.outcome for k, t in _outcomes(warm).items()} == {
        k: t.outcome for k, t in _outcomes(cold).items()
    }
    home = _outcomes(warm)["test_home_answers_ok"]
    assert home.outcome == "passed", home.message
    if submission == "passes_all":  # the probe's escape and environment checks
        assert all(t.outcome == "passed" for t in warm.tests), [t.message for t in warm.tests]
    assert not _labelled_containers()


SETUP_STEP = (
    "python -c \"import os, pathlib; p = pathlib.Path('/sandbox/grader/tests');"
    " r = 'tests hidden' if not os.access(p, os.R_OK) else 'tests readable';"
    " open('setup.txt', 'w').write(f'{os.getuid()} {r}')\""
)
SETUP_APP = """
from pathlib import Path
from flask import Flask

app = Flask(__name__)


@app.get("/")
def home():
    return Path("setup.txt").read_text()
"""
SETUP_TEST = """
def test_the_step_ran_as_the_candidate(client):
    \"\"\"the set-up step ran as the candidate's user, before the app, without the tests\"\"\"
    assert client.get("/").text == "10001 tests hidden"
"""


def test_set_up_steps_run_as_the_candidate_before_the_app(docker_sandbox, settings, tmp_path):
    """A set-up step in the container is the candidate's code: their user, their folder."""
    import shutil

    from grader.challenges import load_challenge

    root = tmp_path / "sandbox-probe"
    shutil.copytree(PROBE, root)
    manifest = root / "challenge.toml"
    manifest.write_text(
        manifest.read_text().replace(
            'entry = "app:app"', f"entry = \"app:app\"\nsetup = ['''{SETUP_STEP}''', 'false']"
        )
    )
    (root / "tests" / "test_probe.py").write_text(SETUP_TEST)
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "app.py").write_text(SETUP_APP)
    failing = load_challenge(root)
    result = grade_path(
        challenge=failing, path=submission, sandbox=docker_sandbox, settings=settings
    )
    assert result.status == "app_failed"
    assert result.reason == "set-up step 2 (`false`) failed with exit 1 (no output)"
    manifest.write_text(manifest.read_text().replace(", 'false'", ""))
    result = grade_path(
        challenge=load_challenge(root), path=submission, sandbox=docker_sandbox, settings=settings
    )
    assert result.status == "graded", (result.reason, result.app_log)
    assert result.score == 100
