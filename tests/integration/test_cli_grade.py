"""`grader grade` end to end on the real engine: the result document is the whole stdout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.results import load_result

pytestmark = pytest.mark.docker

ROOT = Path(__file__).parents[2]


def _grader(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader.cli", *args],
        capture_output=True, text=True, timeout=300, env={**os.environ},
    )  # fmt: skip


def test_json_output_is_exactly_the_result_document(tmp_path: Path):
    out = tmp_path / "out"
    done = _grader(
        "grade", "routing", str(ROOT / "challenges" / "routing" / "solution"),
        "--json", "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    result = load_result(done.stdout)
    assert result.status == "graded"
    assert result.score == 100
    assert document["challenge"] == "routing"
    assert len(document["submission_sha256"]) == 64
    assert document["sandbox"]["kind"] == "docker"
    assert json.loads((out / "result.json").read_text()) == document
    assert "<svg" in (out / "report.html").read_text()
    for name in ("candidate.html", "junit.xml", "gradescope.json"):
        assert (out / name).stat().st_size > 0, name

    rerendered = tmp_path / "again"
    done = _grader("report", str(out / "result.json"), "--out", str(rerendered))
    assert done.returncode == 0, done.stderr
    for name in ("result.json", "report.html", "candidate.html", "junit.xml", "gradescope.json"):
        assert (rerendered / name).read_bytes() == (out / name).read_bytes(), name


def test_batch_grades_a_folder_and_prints_the_index(tmp_path: Path):
    submissions = tmp_path / "cohort"
    submissions.mkdir()
    shutil.copytree(ROOT / "challenges" / "routing" / "solution", submissions / "alice")
    shutil.copytree(ROOT / "challenges" / "routing" / "starter", submissions / "bob")
    (submissions / "carol.zip").write_bytes(b"not a zip at all")
    done = _grader("batch", "routing", str(submissions), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    index = Path(done.stdout.strip())
    assert index == (tmp_path / "out" / "index.html").resolve()
    page = index.read_text()
    for candidate in ("alice", "bob", "carol"):
        assert candidate in page
    assert [line for line in done.stderr.splitlines() if line.startswith("[")], done.stderr
    alice = json.loads((tmp_path / "out" / "alice" / "routing" / "result.json").read_text())
    assert (alice["score"], alice["candidate"]) == (100, "alice")
