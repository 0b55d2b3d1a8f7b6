"""Run a job on the host with the same supervisor and files, without isolation.

For challenge authors and the benchmark's baseline only: candidates' code never runs here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from grader.config import PROJECT_ROOT
from grader.sandbox import (
    OUTPUT_FILES,
    SUPERVISOR_PATH,
    SandboxJob,
    SandboxRun,
    build_payload,
    read_outputs,
)
from grader.sandbox.supervisor import Layout


class BareSandbox:
    """Runs jobs as host processes under a temporary folder that is removed afterwards."""

    def __init__(self, python: str = sys.executable) -> None:
        self.python = python

    def reap(self) -> int:
        """Bare runs leave nothing behind: their folder goes with them."""
        return 0

    def run(self, job: SandboxJob) -> SandboxRun:
        """Run ``job`` bare; the deadline is enforced by killing the supervisor's session."""
        run = SandboxRun(
            info={"kind": "bare", "image": "none (bare run on the host)", "limits": {}}
        )
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="grader-bare-") as tmp:
            root = Path(tmp)
            layout = Layout.under(root)
            for folder in dataclasses.astuple(layout):
                folder.mkdir(mode=0o700)
            payload = build_payload(
                job,
                tests_path=str(layout.tests_dir),
                grader_lib=str(PROJECT_ROOT),
                port=_free_port(),
            )
            with tarfile.open(fileobj=io.BytesIO(payload)) as tar:
                tar.extractall(root / "in", filter="data")
            supervisor = subprocess.Popen(
                [self.python, "-I", str(SUPERVISOR_PATH), "--bare", str(root)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            try:
                run.exit_code = supervisor.wait(timeout=job.limits.deadline_s)
            except subprocess.TimeoutExpired:
                run.timed_out = True
            finally:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(supervisor.pid, signal.SIGKILL)
                supervisor.wait()
            files = {}
            for name in OUTPUT_FILES:
                path = root / "out" / name
                if path.is_file() and not path.is_symlink():
                    files[name] = path.read_bytes()[: job.limits.output_cap_bytes]
            read_outputs(files, run, job.limits.log_cap_bytes)
        run.timings["sandbox_s"] = time.monotonic() - started
        return run


def _free_port() -> int:
    """A loopback port free now; the host shares one port space, unlike a container."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
