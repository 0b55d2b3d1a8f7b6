"""The supervisor's own logic, run bare on the host (no Docker): statuses, caps, cleanup."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.challenges import load_challenge
from grader.config import PROJECT_ROOT
from grader.pipeline import grade_path
from grader.sandbox import SUPERVISOR_PATH
from grader.sandbox.bare import BareSandbox
from grader.sandbox.supervisor import Layout, _app_orders

FIXTURES = Path(__file__).parents[1] / "fixtures"
SUBMISSIONS = FIXTURES / "submissions"
ECHO_ENTRY = (
    'app:create_app("config.py", (1, 2.5), debug=False, extra={"TESTING": True, "x": None})'
)
ECHO_APP = """
from flask import Flask, jsonify


def create_app(*args, **kwargs):
    app = Flask(__name__)
    app.add_url_rule("/", "home", lambda: "ok")
    app.add_url_rule("/args", "args", lambda: jsonify(args=args, kwargs=kwargs))
    return app
"""
ECHO_TEST = """
def test_the_factory_got_the_manifest_arguments(client):
    \"\"\"the factory was called with the entry's literal arguments\"\"\"
    assert client.get("/args").get_json() == {
        "args": ["config.py", [1, 2.5]],
        "kwargs": {"debug": False, "extra": {"TESTING": True, "x": None}},
    }
"""


@pytest.fixture(scope="module")
def bare():
    return BareSandbox()


def test_app_output_is_capped_and_marked_truncated(probe_challenge, bare, settings):
    result = grade_path(
        challenge=probe_challenge,
        path=SUBMISSIONS / "floods_output",
        sandbox=bare,
        settings=settings,
    )
    assert result.status == "graded"
    assert result.app_log_truncated
    assert len(result.app_log.encode()) <= settings.log_cap_bytes


def test_import_time_exit_is_app_failed_with_its_code(probe_challenge, bare, settings):
    result = grade_path(
        challenge=probe_challenge,
        path=SUBMISSIONS / "exits_at_import",
        sandbox=bare,
        settings=settings,
    )
    assert result.status == "app_failed"
    assert "exited with code 3" in result.reason
    assert "giving up before serving" in result.app_log


def test_a_factory_is_called_with_the_entry_literal_arguments(bare, settings, tmp_path):
    """The host parses the entry; the app, served for real, receives its arguments as JSON."""
    root = tmp_path / "sandbox-probe"
    shutil.copytree(FIXTURES / "challenges" / "sandbox-probe", root)
    manifest = root / "challenge.toml"
    manifest.write_text(
        manifest.read_text().replace('entry = "app:app"', f"entry = {json.dumps(ECHO_ENTRY)}")
    )
    (root / "tests" / "test_probe.py").write_text(ECHO_TEST)
    challenge = load_challenge(root)
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "app.py").write_text(ECHO_APP)
    result = grade_path(challenge=challenge, path=submission, sandbox=bare, settings=settings)
    assert result.status == "graded", (result.reason, result.app_log)
    assert [test.outcome for test in result.tests] == ["passed"], result.tests
    assert result.score == 100


def test_a_job_naming_its_entry_as_a_string_still_serves(tmp_path):
    """Jobs from an older host carry ``module:attr`` or ``module:factory()`` as a string."""
    plain = _app_orders("app:app", 8000, tmp_path, {})
    assert plain["module"] == "waitress" and plain["args"][-1] == "app:app"
    assert "call" not in plain
    factory = _app_orders(" app:create_app() ", 8000, tmp_path, {})
    assert factory["args"][-1] == "app:create_app"
    assert factory["call"] == {"args": [], "kwargs": {}}


def test_rejected_submission_becomes_a_rejected_result(probe_challenge, bare, settings, tmp_path):
    archive = tmp_path / "empty.zip"
    archive.write_bytes(b"PK\x05\x06" + b"\0" * 18)  # a valid but empty zip
    result = grade_path(challenge=probe_challenge, path=archive, sandbox=bare, settings=settings)
    assert result.status == "rejected"
    assert result.reason


def test_a_supervisor_whose_job_never_comes_ends_and_takes_its_children(tmp_path):
    """A spare nobody used (its grader died, say) ends on its own, zygotes included."""
    layout = Layout.under(tmp_path)
    for folder in dataclasses.astuple(layout):
        folder.mkdir(mode=0o700)
    command = [sys.executable, "-I", str(SUPERVISOR_PATH), "--bare", str(tmp_path)]
    supervisor = subprocess.Popen([*command, "--lib", str(PROJECT_ROOT), "--job-wait", "1"])
    assert supervisor.wait(timeout=30) == 0
    assert not (layout.out_dir / "supervisor.json").exists()  # no job, no report
    deadline = time.monotonic() + 10
    while _processes_under(tmp_path):
        assert time.monotonic() < deadline, _processes_under(tmp_path)
        time.sleep(0.1)


def _processes_under(root: Path) -> list[str]:
    """Command lines of live processes working under ``root``: the fork servers (in its grader
    folder) and the children forked from them (in their homes)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cwd = os.readlink(proc / "cwd")
            status = (proc / "status").read_text()
        except OSError:
            continue
        if cwd.startswith(f"{root}/") and "State:\tZ" not in status:
            found.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()[:200])
    return found


@pytest.mark.parametrize(
    ("files", "named"),
    [
        (
            {"app.py": "from flask import Flask\napp = Flask(__name__)\n\ndef home(:\n"},
            "SyntaxError: invalid syntax (in app.py, line 4)",
        ),
        (
            {"app.py": "import models\napp = models.make()\n", "models.py": "x = 1\ny = z\n"},
            "NameError: name 'z' is not defined (in models.py, line 2)",
        ),
    ],
)
def test_a_start_up_error_names_the_candidates_file_and_line(
    files, named, probe_challenge, bare, settings, tmp_path
):
    """The candidate's view shows the reason, not the log: it must say where, as the log does."""
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    result = grade_path(challenge=probe_challenge, path=tmp_path, sandbox=bare, settings=settings)
    assert result.status == "app_failed"
    assert result.reason.endswith(f"any request: {named}"), result.reason


def test_exited_leaves_the_leader_unreaped_so_its_group_id_stays_taken() -> None:
    """A reaped leader's id may go to a new process that leads its own group (a PostgreSQL
    backend does): killing "its" group then kills a stranger. So waiting never reaps first."""
    from grader.sandbox.supervisor import exited, kill_group

    child = subprocess.Popen([sys.executable, "-c", "pass"], start_new_session=True)
    assert exited(child, 10)
    assert "State:\tZ" in Path(f"/proc/{child.pid}/status").read_text()  # a zombie: not reaped
    kill_group(child)  # harmless: the id is still its own
    child.wait()
    killed = []
    original, os.killpg = os.killpg, lambda *args: killed.append(args)
    try:
        kill_group(child)  # reaped: its id may be anybody's now
    finally:
        os.killpg = original
    assert killed == []
