"""The CLI contract: exit codes and one-line errors, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

PROBE = Path(__file__).parents[1] / "fixtures" / "challenges" / "sandbox-probe"
GRADER = [sys.executable, "-m", "grader.cli"]


def _grader(*args: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environ = {**os.environ, "GRADER_REPORTS_DIR": str(tmp_path / "reports"), **env}
    return subprocess.run([*GRADER, *args], capture_output=True, text=True, env=environ, timeout=60)


def _one_line_error(done: subprocess.CompletedProcess, code: int, fragment: str) -> None:
    assert done.returncode == code, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    assert fragment in lines[0]
    assert "Traceback" not in done.stderr


def test_unknown_challenge_exits_2(tmp_path: Path):
    done = _grader("grade", "no-such-challenge", str(tmp_path), tmp_path=tmp_path)
    _one_line_error(done, 2, "unknown challenge 'no-such-challenge'")


def test_zip_slip_submission_exits_2(tmp_path: Path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../escape.py", "print('hi')")
    done = _grader("grade", str(PROBE), str(archive), "--bare", tmp_path=tmp_path)
    _one_line_error(done, 2, "escape")
    assert not (tmp_path.parent / "escape.py").exists()


def test_missing_submission_exits_2_before_any_sandbox_is_needed(tmp_path: Path):
    done = _grader(
        "grade",
        str(PROBE),
        str(tmp_path / "nothing.zip"),
        tmp_path=tmp_path,
        DOCKER_HOST="unix:///nonexistent/docker.sock",  # the input is wrong, not the engine
    )
    _one_line_error(done, 2, "nothing.zip")


def test_unreachable_docker_exits_3_with_what_to_do(tmp_path: Path):
    sub = tmp_path / "app.py"
    sub.write_text("app = None\n")
    done = _grader(
        "grade",
        str(PROBE),
        str(sub),
        tmp_path=tmp_path,
        DOCKER_HOST="unix:///nonexistent/docker.sock",
    )
    _one_line_error(done, 3, "Docker engine")


def test_unknown_option_exits_2(tmp_path: Path):
    done = _grader("grade", "--frobnicate", tmp_path=tmp_path)
    _one_line_error(done, 2, "frobnicate")


@pytest.mark.parametrize("content", ["not json", '{"schema": "grader.result/1"}'])
def test_report_from_a_bad_result_document_exits_2(tmp_path: Path, content: str):
    bad = tmp_path / "result.json"
    bad.write_text(content)
    done = _grader("report", str(bad), tmp_path=tmp_path)
    _one_line_error(done, 2, "not a valid result document")


@pytest.mark.parametrize("special", ["/dev/zero", "fifo"])
def test_report_from_a_special_file_exits_2_without_hanging(tmp_path: Path, special: str):
    path = Path(special) if special.startswith("/") else tmp_path / special
    if special == "fifo":
        os.mkfifo(path)
    done = _grader("report", str(path), tmp_path=tmp_path)
    _one_line_error(done, 2, "not a regular file")


@pytest.mark.parametrize("runs", ["0", "-3", "many"])
def test_bench_with_no_runs_exits_2(tmp_path: Path, runs: str):
    _one_line_error(_grader("bench", "--runs", runs, tmp_path=tmp_path), 2, "--runs")
