"""Run a job on the host with the same supervisor and files, without isolation.

For challenge authors and the benchmark's baseline only: candidates' code never runs here.
"""

from __future__ import annotations

import dataclasses
import io
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from grader.config import PROJECT_ROOT
from grader.sandbox import SUPERVISOR_PATH, RunLimits, SandboxJob, SandboxRun
from grader.sandbox.payload import OUTPUT_FILES, build_payload, read_outputs
from grader.sandbox.spares import Spares
from grader.sandbox.supervisor import Layout, exited, kill_group


@dataclasses.dataclass
class _Started:
    """A supervisor started on the host under its own temporary root, maybe before its job."""

    folder: tempfile.TemporaryDirectory[str]
    layout: Layout
    process: subprocess.Popen[bytes]

    def kill(self) -> None:
        """End the supervisor's session (its children have sessions of their own)."""
        kill_group(self.process)
        self.process.wait()

    def stop(self) -> None:
        self.kill()
        self.folder.cleanup()


class BareSandbox:
    """Runs jobs as host processes under a temporary folder that is removed afterwards."""

    def __init__(self, python: str = sys.executable, *, spares: int = 0) -> None:
        """``spares``: supervisors to keep started ahead of jobs, as DockerSandbox does."""
        self.python = python
        self._spares = Spares(self._start, _Started.stop, _alive, size=spares) if spares else None

    def reap(self) -> int:
        """Bare runs leave nothing behind: their folder goes with them."""
        return 0

    def close(self) -> None:
        """Stop the spares."""
        if self._spares:
            self._spares.close()

    def run(self, job: SandboxJob) -> SandboxRun:
        """Run ``job`` bare; the deadline is enforced by killing the supervisor's session."""
        run = SandboxRun(
            info={"kind": "bare", "image": "none (bare run on the host)", "limits": {}}
        )
        started = time.monotonic()
        spare = self._spares.take(job.limits) if self._spares else None
        run.info["warm"] = spare is not None
        supervisor = spare or self._start(job.limits)
        layout = supervisor.layout
        try:
            payload = build_payload(job, tests_path=str(layout.tests_dir), port=_free_port())
            with tarfile.open(fileobj=io.BytesIO(payload)) as tar:
                tar.extractall(layout.in_dir, filter="data")
            run.timed_out = not exited(supervisor.process, job.wall_s)
            supervisor.kill()
            run.exit_code = None if run.timed_out else supervisor.process.returncode
            files = {}
            for name in OUTPUT_FILES:
                path = layout.out_dir / name
                if path.is_file() and not path.is_symlink():
                    files[name] = path.read_bytes()[: job.limits.output_cap_bytes]
            read_outputs(files, run, job.limits.log_cap_bytes)
        finally:
            supervisor.stop()
        if self._spares:
            self._spares.replenish(job.limits)
        run.timings["sandbox_s"] = time.monotonic() - started
        return run

    def _start(self, limits: RunLimits) -> _Started:
        """Lay out a fresh root and start the supervisor in it; it waits for its job."""
        folder = tempfile.TemporaryDirectory(prefix="grader-bare-")
        layout = Layout.under(Path(folder.name))
        for path in dataclasses.astuple(layout):
            path.mkdir(mode=0o700)
        command = [self.python, "-I", str(SUPERVISOR_PATH), "--bare", folder.name]
        process = subprocess.Popen(
            [*command, "--lib", str(PROJECT_ROOT)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        return _Started(folder, layout, process)


def _alive(started: _Started) -> bool:
    return started.process.poll() is None


def _free_port() -> int:
    """A loopback port free now; the host shares one port space, unlike a container."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]  # (host, port) for AF_INET
        return port
