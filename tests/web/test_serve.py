"""`grader serve`: one command starts the app on waitress and says how to sign in."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from grader.config import PROJECT_ROOT

GRADER = Path(sys.executable).with_name("grader")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(data_dir: Path, bank: Path, port: int) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "GRADER_DATA_DIR": str(data_dir),
        "GRADER_CHALLENGES_DIR": str(bank),
        "GRADER_ADMIN_EMAIL": "boss@example.com",
        "GRADER_ADMIN_PASSWORD": "",
    }
    return subprocess.Popen(
        [str(GRADER), "serve", "--port", str(port)],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _lines_until_serving(process: subprocess.Popen[str]) -> list[str]:
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line.rstrip())
        if line.startswith("serving"):
            return lines
    raise AssertionError(f"grader serve exited: {lines}")


def _get(port: int, path: str) -> tuple[int, str]:
    deadline = time.monotonic() + 10
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as reply:
                return reply.status, reply.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


def test_serve_prints_the_first_sign_in_and_serves(tmp_path: Path, bank: Path) -> None:
    port = _free_port()
    data_dir = tmp_path / "grader-data"
    process = _serve(data_dir, bank, port)
    try:
        lines = _lines_until_serving(process)
        assert any(line.startswith("database ") and "created at revision" in line for line in lines)
        first = next(line for line in lines if line.startswith("first run"))
        assert f"http://127.0.0.1:{port}/login as boss@example.com with password " in first
        status, page = _get(port, "/login")
        assert status == 200 and "Sign in" in page
    finally:
        _stop(process)
    assert (data_dir / "grader.sqlite3").is_file() and (data_dir / "secret_key").is_file()

    # The second start finds its admin and says nothing about passwords.
    process = _serve(data_dir, bank, port)
    try:
        lines = _lines_until_serving(process)
        assert not any("password" in line for line in lines if line.startswith("first run"))
        assert not any(line.startswith("first run") for line in lines)
        assert any(line.endswith("(head), nothing to upgrade") for line in lines)
    finally:
        _stop(process)


def test_serve_help_names_host_and_port() -> None:
    result = subprocess.run(
        [str(GRADER), "serve", "--help"], capture_output=True, text=True, check=True
    )
    assert "--host" in result.stdout and "--port" in result.stdout


def test_sigterm_stops_serve_cleanly_and_a_start_removes_a_killed_ones_leftovers(
    tmp_path: Path, bank: Path
) -> None:
    """`kill -9` leaves unpacked submissions behind; the next start removes them. SIGTERM
    (systemd, docker stop) runs the same shutdown as Ctrl-C: workers and spares stopped."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    temp, data_dir = tmp_path / "temp", tmp_path / "grader-data"
    left = [temp / f"grader-intake-{dead.pid}-x1", data_dir / "tmp" / f"store-{dead.pid}-x2"]
    for folder in left:
        (folder / "submission").mkdir(parents=True)
    port = _free_port()
    os.environ["TMPDIR"], previous = str(temp), os.environ.get("TMPDIR")
    try:
        process = _serve(data_dir, bank, port)
    finally:
        if previous is None:
            del os.environ["TMPDIR"]
        else:
            os.environ["TMPDIR"] = previous
    try:
        _lines_until_serving(process)
        assert not any(folder.exists() for folder in left)
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0
    finally:
        _stop(process)
