"""The ``app_files`` fixture, bare: a real supervisor, a real Flask app writing files, and a
hidden suite reading them; hostile files fail their test, never hang or break the run."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from grader.challenges import load_challenge
from grader.pipeline import grade_path
from grader.sandbox.bare import BareSandbox
from grader.sandbox.supervisor import (
    APP_FILES_CAP,
    AppFileRefused,
    _parse_copier_output,
    _path_parts,
)

PROBE = Path(__file__).parents[1] / "fixtures" / "challenges" / "sandbox-probe"

# Lays out, at import (its working directory is its own folder), what the suite reads: plain
# files, two SQLite databases, and hostile entries. Its routes change files between snapshots
# and, on request, interfere with the copier (stop it or kill it) as a hostile app would.
WRITER_APP = r"""
import os, signal, sqlite3, threading, time
from pathlib import Path

from flask import Flask

os.makedirs("instance", exist_ok=True)
Path("instance/notes.txt").write_text("h\u00e9llo\n", encoding="utf-8")
Path("instance/blob.bin").write_bytes(bytes(range(256)))
Path("instance/latin1.txt").write_bytes("caf\u00e9".encode("latin-1"))
os.symlink("/etc/passwd", "passwd_link")
tests = os.path.join("..", "..", "grader", "tests")  # the hidden suite, in a bare run's layout
os.symlink(tests, "tests_link")
os.symlink(os.path.join(tests, "test_app_files.py"), "hidden_test_link")
os.symlink("instance", "instance_link")
os.symlink("notes.txt", "instance/notes_link")
os.mkfifo("instance/pipe")
with open("over_cap.bin", "wb") as f:
    f.truncate(__CAP__ + 1)
with open("at_cap.bin", "wb") as f:
    f.truncate(__CAP__)

plain = sqlite3.connect("instance/plain.sqlite")
plain.execute("CREATE TABLE user (id INTEGER PRIMARY KEY, name TEXT)")
plain.execute("INSERT INTO user (name) VALUES ('ada')")
plain.commit()
plain.close()
# Kept open, so the WAL is never checkpointed into the main file: committed rows live in the
# -wal file only.
wal = sqlite3.connect("instance/wal.sqlite", check_same_thread=False)
wal.execute("PRAGMA journal_mode=WAL")
wal.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)")
wal.execute("INSERT INTO note (body) VALUES ('first')")
wal.commit()
lock = threading.Lock()
sabotage = {"mode": None}


def saboteur():
    while True:
        mode = sabotage["mode"]
        if mode:
            for proc in Path("/proc").iterdir():
                try:
                    cmdline = (proc / "cmdline").read_bytes()
                except OSError:
                    continue
                if b"O_NOFOLLOW" in cmdline and b"orders" in cmdline:  # the copier
                    how = signal.SIGSTOP if mode == "stop" else signal.SIGKILL
                    try:
                        os.kill(int(proc.name), how)
                    except OSError:
                        pass
        time.sleep(0.002)


threading.Thread(target=saboteur, daemon=True).start()
app = Flask(__name__)


@app.post("/counter/<int:n>")
def counter(n):
    Path("instance/counter.txt").write_text(str(n))
    return "ok"


@app.post("/notes/<body>")
def add_note(body):
    with lock:
        wal.execute("INSERT INTO note (body) VALUES (?)", (body,))
        wal.commit()
    return "ok"


@app.post("/sabotage/<mode>")
def set_sabotage(mode):
    sabotage["mode"] = None if mode == "off" else mode
    return "ok"
""".replace("__CAP__", str(APP_FILES_CAP))

HIDDEN_SUITE = r"""
import sqlite3
import time

import pytest

from grader.testkit.app_files import AppFileError


def test_read_text_bytes_and_exists(app_files):
    assert app_files.read_text("instance/notes.txt") == "h\u00e9llo\n"
    assert app_files.read_bytes("instance/blob.bin") == bytes(range(256))
    assert app_files.read_text("./instance//notes.txt") == "h\u00e9llo\n"
    assert app_files.exists("instance/notes.txt")
    assert app_files.exists("instance")
    assert not app_files.exists("instance/nothing.txt")
    assert not app_files.exists("nowhere/nothing.txt")


def test_text_that_does_not_decode_fails_clearly(app_files):
    with pytest.raises(AppFileError, match="instance/latin1.txt: is not utf-8 text"):
        app_files.read_text("instance/latin1.txt")
    assert app_files.read_text("instance/latin1.txt", encoding="latin-1") == "caf\u00e9"


def test_sqlite_snapshot_is_read_only(app_files):
    db = app_files.sqlite("instance/plain.sqlite")
    assert db.execute("SELECT name FROM user").fetchall() == [("ada",)]
    with pytest.raises(sqlite3.OperationalError, match="readonly|read-only|query_only"):
        db.execute("INSERT INTO user (name) VALUES ('mallory')")


def test_sqlite_in_wal_mode_shows_committed_rows(app_files, client):
    assert app_files.exists("instance/wal.sqlite-wal"), "the app's WAL was checkpointed"
    assert client.post("/notes/second").status_code == 200
    db = app_files.sqlite("instance/wal.sqlite")
    assert db.execute("SELECT journal_mode FROM pragma_journal_mode").fetchone() == ("wal",)
    bodies = [row[0] for row in db.execute("SELECT body FROM note ORDER BY id")]
    assert bodies[:1] == ["first"] and "second" in bodies


def test_a_snapshot_taken_twice_shows_changes_in_between(app_files, client):
    client.post("/counter/1")
    assert app_files.read_text("instance/counter.txt") == "1"
    client.post("/counter/2")
    assert app_files.read_text("instance/counter.txt") == "2"
    client.post("/notes/later")
    first = app_files.sqlite("instance/wal.sqlite")
    client.post("/notes/latest")
    second = app_files.sqlite("instance/wal.sqlite")
    query = "SELECT count(*) FROM note WHERE body = 'latest'"
    assert first.execute(query).fetchone() == (0,)
    assert second.execute(query).fetchone() == (1,)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("passwd_link", "app file passwd_link: is a symlink; not followed"),
        ("hidden_test_link", "app file hidden_test_link: is a symlink; not followed"),
        ("instance/notes_link", "app file instance/notes_link: is a symlink; not followed"),
        (
            "tests_link/test_app_files.py",
            "app file tests_link/test_app_files.py: tests_link is a symlink; not followed",
        ),
        (
            "instance_link/notes.txt",
            "app file instance_link/notes.txt: instance_link is a symlink; not followed",
        ),
        (
            "../../grader/tests/test_app_files.py",
            "app file ../../grader/tests/test_app_files.py: not a path inside the app's folder",
        ),
        ("instance/../../x", "not a path inside the app's folder"),
        ("/etc/passwd", "app file /etc/passwd: not a path inside the app's folder"),
        ("instance/missing.txt", "app file instance/missing.txt: does not exist"),
        ("nofolder/x.txt", "app file nofolder/x.txt: does not exist (nofolder is missing)"),
        ("instance/notes.txt/x", "instance/notes.txt is not a folder"),
        ("instance", "app file instance: is a folder, not a file"),
    ],
)
def test_refused_paths(app_files, path, message):
    with pytest.raises(AppFileError) as refused:
        app_files.read_bytes(path)
    assert message in str(refused.value)


def test_symlinks_fail_exists_and_sqlite_too(app_files):
    with pytest.raises(AppFileError, match="is a symlink; not followed"):
        app_files.exists("passwd_link")
    with pytest.raises(AppFileError, match="tests_link is a symlink; not followed"):
        app_files.sqlite("tests_link/test_app_files.py")


def test_a_fifo_is_refused_at_once(app_files):
    started = time.monotonic()
    with pytest.raises(AppFileError, match="instance/pipe: is a FIFO"):
        app_files.read_bytes("instance/pipe")
    with pytest.raises(AppFileError, match="is a FIFO"):
        app_files.exists("instance/pipe")
    assert time.monotonic() - started < 1.0


def test_the_cap_is_named_and_a_file_at_the_cap_is_read(app_files):
    with pytest.raises(AppFileError, match="over_cap.bin: is larger than the 16 MiB cap"):
        app_files.read_bytes("over_cap.bin")
    assert len(app_files.read_bytes("at_cap.bin")) == __CAP__


def test_a_file_that_is_not_a_database_is_said_so(app_files):
    with pytest.raises(AppFileError, match="instance/notes.txt: is not a SQLite database"):
        app_files.sqlite("instance/notes.txt")


@pytest.mark.parametrize("mode", ["stop", "kill"])
def test_an_app_that_interferes_with_the_copier_only_fails_the_read(app_files, client, mode):
    client.post(f"/sabotage/{mode}")
    started = time.monotonic()
    try:
        with pytest.raises(AppFileError, match="took longer than|copy failed"):
            app_files.read_bytes("instance/notes.txt")
    finally:
        client.post("/sabotage/off")
    assert time.monotonic() - started < 2.0  # the copy's own limit: half of test_timeout_s
    assert app_files.read_text("instance/notes.txt") == "h\u00e9llo\n"  # still served


def test_an_unusable_failure_reads_well(app_files):
    app_files.read_bytes("passwd_link")  # fails: the report's message is checked by the host
""".replace("__CAP__", str(APP_FILES_CAP))


@pytest.fixture(scope="module")
def graded(tmp_path_factory, settings):
    """Grade the writer app once with the suite above; each test reads its rows."""
    root = tmp_path_factory.mktemp("app-files") / "sandbox-probe"
    shutil.copytree(PROBE, root)
    for old in (root / "tests").iterdir():
        old.unlink()
    (root / "tests" / "test_app_files.py").write_text(HIDDEN_SUITE)
    submission = root.parent / "submission"
    submission.mkdir()
    (submission / "app.py").write_text(WRITER_APP)
    sandbox = BareSandbox()
    started = time.monotonic()
    result = grade_path(
        challenge=load_challenge(root), path=submission, sandbox=sandbox, settings=settings
    )
    assert result.status == "graded", (result.reason, result.app_log)
    return result, time.monotonic() - started


def _row(graded, name):
    result, _ = graded
    rows = [t for t in result.tests if t.id.rsplit("::", 1)[-1] == name]
    assert rows, [t.id for t in result.tests]
    return rows[0]


@pytest.mark.parametrize(
    "name",
    [
        "test_read_text_bytes_and_exists",
        "test_text_that_does_not_decode_fails_clearly",
        "test_sqlite_snapshot_is_read_only",
        "test_sqlite_in_wal_mode_shows_committed_rows",
        "test_a_snapshot_taken_twice_shows_changes_in_between",
        "test_symlinks_fail_exists_and_sqlite_too",
        "test_a_fifo_is_refused_at_once",
        "test_the_cap_is_named_and_a_file_at_the_cap_is_read",
        "test_a_file_that_is_not_a_database_is_said_so",
        "test_an_app_that_interferes_with_the_copier_only_fails_the_read[stop]",
        "test_an_app_that_interferes_with_the_copier_only_fails_the_read[kill]",
    ],
)
def test_app_files_keeps_its_promises(graded, name):
    row = _row(graded, name)
    assert row.outcome == "passed", row.message


def test_symlinks_dot_dot_and_absolute_paths_are_refused_with_their_reason(graded):
    result, _ = graded
    rows = [t for t in result.tests if "test_refused_paths[" in t.id]
    assert len(rows) == 12
    assert all(row.outcome == "passed" for row in rows), [
        (row.id, row.message) for row in rows if row.outcome != "passed"
    ]


def test_a_refused_file_fails_its_test_with_a_clear_message(graded):
    row = _row(graded, "test_an_unusable_failure_reads_well")
    assert row.outcome == "failed"
    assert row.message == "AppFileError: app file passwd_link: is a symlink; not followed"


def test_hostile_files_never_slow_the_run(graded):
    _, elapsed = graded
    assert elapsed < 20


@pytest.mark.parametrize(
    "path",
    ["", "/etc/passwd", "../x", "a/../../b", "a/..", ".", "./", "a\0b", "x" * 1025, 7, None],
)
def test_the_supervisor_refuses_paths_outside_the_app_folder(path):
    with pytest.raises(AppFileRefused):
        _path_parts(path)


def test_relative_paths_are_normalised():
    assert _path_parts("./instance//flaskr.sqlite") == ["instance", "flaskr.sqlite"]


@pytest.mark.parametrize(
    "output",
    [
        b"",  # the copier was killed before it wrote
        b'{"kind": "file", "size": 10}\nshort',  # cut short
        b'{"kind": "file", "size": 2}\nokextra',  # more than announced
        b'{"kind": "rm -rf", "at": 0}\n',  # a kind the supervisor does not know
        b'{"kind": "file", "size": -1}\n',
        b"[1, 2]\n",
        b"\xff" * 600,
    ],
)
def test_forged_copier_output_is_a_failure_never_trusted(output):
    with pytest.raises(AppFileRefused, match="copy failed"):
        _parse_copier_output(output, "read", [("f", ["f"])], "f")


def test_copier_messages_are_the_supervisor_own_words():
    headers, _ = _parse_copier_output(
        b'{"kind": "symlink", "at": 99}\n', "read", [("a/b", ["a", "b"])], "a/b"
    )
    assert headers == [
        {"path": "a/b", "kind": "symlink", "error": "app file a/b: is a symlink; not followed"}
    ]
