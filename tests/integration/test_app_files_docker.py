"""``app_files`` in the real container: the suite (grader user) reads what the app (candidate
user, 0600 files) stored, and a hostile app can neither reach the hidden tests nor hang the run."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from grader.challenges import load_challenge
from grader.pipeline import grade_path

PROBE = Path(__file__).parents[1] / "fixtures" / "challenges" / "sandbox-probe"

pytestmark = pytest.mark.docker

HOSTILE_APP = r"""
import os, signal, socket, sqlite3, threading, time
from pathlib import Path

from flask import Flask, jsonify

os.makedirs("instance", exist_ok=True)
Path("instance/notes.txt").write_text("stored by the app\n")
os.symlink("/sandbox/grader/tests/test_app_files.py", "hidden_test_link")
os.symlink("/sandbox/grader/tests", "tests_link")
os.symlink("/sandbox/grader", "grader_link")
os.mkfifo("instance/pipe")
wal = sqlite3.connect("instance/app.sqlite", check_same_thread=False)
wal.execute("PRAGMA journal_mode=WAL")
wal.execute("CREATE TABLE user (id INTEGER PRIMARY KEY, name TEXT, password_hash TEXT)")
wal.commit()
lock = threading.Lock()
sabotage = {"mode": None}


def saboteur():
    while True:
        if sabotage["mode"]:
            for proc in Path("/proc").iterdir():
                try:
                    cmdline = (proc / "cmdline").read_bytes()
                except OSError:
                    continue
                if b"O_NOFOLLOW" in cmdline and b"orders" in cmdline:  # the copier
                    try:
                        os.kill(int(proc.name), signal.SIGSTOP)
                    except OSError:
                        pass
        time.sleep(0.002)


threading.Thread(target=saboteur, daemon=True).start()
app = Flask(__name__)


@app.post("/users/<name>")
def add_user(name):
    with lock:
        wal.execute("INSERT INTO user (name, password_hash) VALUES (?, 'x')", (name,))
        wal.commit()
    return "ok"


@app.post("/sabotage/<mode>")
def set_sabotage(mode):
    sabotage["mode"] = None if mode == "off" else mode
    return "ok"


@app.get("/reach")
def reach():
    # What the candidate could do with the copy service or the snapshots, if it could reach them.
    found = {"uid": os.getuid(), "mode": oct(os.stat("instance/notes.txt").st_mode & 0o777)}
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.connect("/sandbox/grader/app-files/sock")
            s.sendall(b'{"op": "read", "paths": ["../../grader/tests/test_app_files.py"]}\n')
            found["socket"] = s.recv(100).decode(errors="replace")
    except OSError as e:
        found["socket"] = type(e).__name__
    try:
        found["grader"] = sorted(os.listdir("/sandbox/grader/tmp"))
    except OSError as e:
        found["grader"] = type(e).__name__
    return jsonify(found)
"""

HIDDEN_SUITE = r"""
import time

import pytest

from grader.testkit.app_files import AppFileError


def test_the_suite_reads_what_the_candidate_user_stored(app_files, client):
    assert client.get("/reach").get_json()["mode"] == "0o600"
    assert app_files.read_text("instance/notes.txt") == "stored by the app\n"
    client.post("/users/ada")
    db = app_files.sqlite("instance/app.sqlite")
    assert db.execute("SELECT name FROM user").fetchall() == [("ada",)]


def test_the_candidate_cannot_use_the_copy_service(client):
    found = client.get("/reach").get_json()
    assert found["uid"] == 10001
    assert found["socket"] == "PermissionError", found
    assert found["grader"] == "PermissionError", found


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("hidden_test_link", "hidden_test_link: is a symlink; not followed"),
        ("tests_link/test_app_files.py", "tests_link is a symlink; not followed"),
        ("grader_link/tests/test_app_files.py", "grader_link is a symlink; not followed"),
        ("../../grader/tests/test_app_files.py", "not a path inside the app's folder"),
        ("/sandbox/grader/tests/test_app_files.py", "not a path inside the app's folder"),
        ("instance/pipe", "is a FIFO"),
    ],
)
def test_hostile_paths_are_refused_quickly(app_files, path, message):
    started = time.monotonic()
    with pytest.raises(AppFileError, match=message):
        app_files.read_bytes(path)
    assert time.monotonic() - started < 2


def test_a_stopped_copier_is_a_timeout_and_the_service_goes_on(app_files, client):
    client.post("/sabotage/stop")
    try:
        with pytest.raises(AppFileError, match="took longer than"):
            app_files.read_bytes("instance/notes.txt")
    finally:
        client.post("/sabotage/off")
    assert app_files.read_text("instance/notes.txt") == "stored by the app\n"
"""


def test_app_files_crosses_the_user_boundary_and_resists_a_hostile_app(
    docker_sandbox, settings, tmp_path
):
    root = tmp_path / "sandbox-probe"
    shutil.copytree(PROBE, root)
    for old in (root / "tests").iterdir():
        old.unlink()
    (root / "tests" / "test_app_files.py").write_text(HIDDEN_SUITE)
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "app.py").write_text(HOSTILE_APP)
    started = time.monotonic()
    result = grade_path(
        challenge=load_challenge(root), path=submission, sandbox=docker_sandbox, settings=settings
    )
    assert result.status == "graded", (result.reason, result.app_log)
    failures = [(t.id, t.message) for t in result.tests if t.outcome != "passed"]
    assert not failures, failures
    assert len(result.tests) == 9
    assert time.monotonic() - started < 30
