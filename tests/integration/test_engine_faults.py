"""The Docker engine stopping mid-run: the run ends, within its bound, as a clear sandbox_error.

Disruptive: it stops and restarts the local dockerd, so it runs only where this test process
can (root, a dockerd process on this machine); elsewhere it is skipped with the reason.
"""

from __future__ import annotations

import gc
import os
import subprocess
import threading
import time
from contextlib import closing
from pathlib import Path

import docker
import pytest

from grader.pipeline import grade_path
from grader.sandbox.docker import labelled_containers

pytestmark = [
    pytest.mark.docker,
    # The Docker SDK's connection pool drops the dead engine's sockets without closing them.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
]

ROOT = Path(__file__).parents[2]
SUBMISSIONS = ROOT / "tests" / "fixtures" / "submissions"


def _dockerd_pids() -> list[int]:
    done = subprocess.run(["pgrep", "-x", "dockerd"], capture_output=True, text=True)
    return [int(pid) for pid in done.stdout.split()]


@pytest.fixture
def stoppable_engine(docker_sandbox):
    if os.geteuid() != 0 or not _dockerd_pids():
        pytest.skip("needs root and a local dockerd process to stop and restart")
    yield
    deadline = time.monotonic() + 60
    while _dockerd_pids() and time.monotonic() < deadline:  # let the old engine finish stopping
        time.sleep(0.2)
    if not _dockerd_pids():
        subprocess.run([str(ROOT / "sandboxes" / "host-setup.sh")], check=True, timeout=120)
    # The dead engine's sockets sit in the session sandbox's connection pool: drop them here,
    # where their ResourceWarnings are expected, rather than in whichever test runs next.
    docker_sandbox.client.close()
    gc.collect()
    with closing(docker.from_env()) as client:
        client.ping()
        for container in labelled_containers(client):
            client.api.remove_container(container["Id"], force=True, v=True)


def test_engine_stop_mid_run_is_a_sandbox_error_after_a_retry(
    stoppable_engine, probe_challenge, docker_sandbox, settings
):
    outcome = {}

    def grade():
        started = time.monotonic()
        outcome["result"] = grade_path(
            challenge=probe_challenge,
            path=SUBMISSIONS / "hanging_route",
            sandbox=docker_sandbox,
            settings=settings,
        )
        outcome["elapsed"] = time.monotonic() - started

    worker = threading.Thread(target=grade)
    worker.start()
    deadline = time.monotonic() + 60
    with closing(docker.from_env()) as client:
        while not labelled_containers(client):
            assert time.monotonic() < deadline, "no container appeared"
            time.sleep(0.05)
    for pid in _dockerd_pids():
        os.kill(pid, 15)
    worker.join(timeout=probe_challenge.limits["deadline_s"] + 60)
    assert not worker.is_alive(), "grading hung after the engine stopped"
    result = outcome["result"]
    assert result.status == "sandbox_error"
    assert "tried 2 times" in result.reason
    assert "Docker engine" in result.reason
