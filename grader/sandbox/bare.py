"""Run a job on the host with the same supervisor and files, without isolation.

For challenge authors and the benchmark's baseline only: candidates' code never runs here.
"""

from __future__ import annotations

import dataclasses
import io
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from grader.config import PROJECT_ROOT
from grader.sandbox import SUPERVISOR_PATH, RunLimits, SandboxJob, SandboxRun, many_wall_s
from grader.sandbox.payload import build_payload, output_names, read_slot_outputs
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
        """Run ``job`` bare (see ``run_many``)."""
        return self.run_many([job], 1)[0]

    def run_many(self, jobs: Sequence[SandboxJob], concurrency: int) -> list[SandboxRun]:
        """Run ``jobs`` bare under one supervisor, as slots; the bound is enforced by killing
        the supervisor's session (each slot's children have sessions of their own)."""
        runs = [
            SandboxRun(info={"kind": "bare", "image": "none (bare run on the host)", "limits": {}})
            for _ in jobs
        ]
        started = time.monotonic()
        spare = self._spares.take(jobs[0].limits) if self._spares else None
        supervisor = spare or self._start(jobs[0].limits)
        layout = supervisor.layout
        try:
            payload = build_payload(
                jobs,
                tests_path=lambda index: str(layout.slot(index).tests_dir),
                concurrency=concurrency,
            )
            with tarfile.open(fileobj=io.BytesIO(payload)) as tar:
                tar.extractall(layout.in_dir, filter="data")
            timed_out = not exited(supervisor.process, many_wall_s(jobs, concurrency))
            supervisor.kill()
            files = {}
            for name in output_names(len(jobs)):
                path = layout.out_dir / name
                if path.is_file() and not path.is_symlink():
                    files[name] = path.read_bytes()[: jobs[0].limits.output_cap_bytes]
            read_slot_outputs(files, jobs, runs)
        finally:
            supervisor.stop()
        if self._spares:
            self._spares.replenish(jobs[0].limits)
        for run in runs:
            run.info["warm"] = spare is not None
            run.timed_out = timed_out and run.supervisor is None
            run.exit_code = None if timed_out else supervisor.process.returncode
            run.timings["sandbox_s"] = time.monotonic() - started
        return runs

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
