"""The sandbox boundary: what goes into a run (a job) and what comes back (a run record).

Two implementations share these types: ``docker.DockerSandbox`` (every candidate run) and
``bare.BareSandbox`` (authoring and benchmarks only). Both run ``supervisor.py`` on the same
payload and read back the same files (both in ``payload``), so they differ only in isolation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

SUPERVISOR_PATH = Path(__file__).with_name("supervisor.py")
APP_PORT = 8000


@dataclass(frozen=True)
class RunLimits:
    """The bounds of one run; defaults come from settings, a manifest may only tighten them."""

    deadline_s: float
    app_start_timeout_s: float
    setup_timeout_s: float
    test_timeout_s: float
    memory_mb: int
    cpus: float
    pids: int
    tmpfs_mb: int
    log_cap_bytes: int
    output_cap_bytes: int

    def wall_s(self, with_setup: bool) -> float:
        """The whole run's bound: the deadline, plus the set-up budget when there are steps."""
        return self.deadline_s + (self.setup_timeout_s if with_setup else 0.0)

    @property
    def suite_timeout_s(self) -> float:
        """Time left for pytest once the app is up, keeping a margin for the host."""
        return max(5.0, self.deadline_s - self.app_start_timeout_s - 5.0)


@dataclass(frozen=True)
class SuiteOptions:
    """How validation runs a suite; a candidate's grade always uses the defaults."""

    shuffle_seed: int | None = None  # run the tests in this seeded random order (flaky check)
    fail_fast: bool = False  # stop at the first failure: one failure kills a mutant


@dataclass(frozen=True)
class SandboxJob:
    """One grading run: a checked submission folder, a hidden suite and how to serve the app."""

    submission_dir: Path
    tests_dir: Path
    entry: str
    app_env: dict[str, str]
    default_skill: str
    limits: RunLimits
    bytecode_cache: Path | None = None  # where the suite's rewritten bytecode is kept
    suite: SuiteOptions = field(default_factory=SuiteOptions)
    setup: tuple[str, ...] = ()  # the manifest's set-up steps, run before the app starts

    @property
    def wall_s(self) -> float:
        """The whole run's bound (see ``RunLimits.wall_s``)."""
        return self.limits.wall_s(bool(self.setup))

    def job_document(self, port: int = APP_PORT) -> dict[str, Any]:
        """What the supervisor reads from ``in/job.json``: the entry already parsed, its
        arguments as JSON values, so that the supervisor only imports and calls."""
        from grader.challenges import parse_entry, setup_argv  # the manifest's own parsers

        return {
            "entry": parse_entry(self.entry).job_fields(),
            "port": port,
            "app_env": self.app_env,
            "default_skill": self.default_skill,
            "app_start_timeout_s": self.limits.app_start_timeout_s,
            "setup": [setup_argv(step) for step in self.setup],
            "setup_timeout_s": self.limits.setup_timeout_s,
            "suite_timeout_s": self.limits.suite_timeout_s,
            "test_timeout_s": self.limits.test_timeout_s,
            "log_cap_bytes": self.limits.log_cap_bytes,
            "process_limit": self.limits.pids,
            "shuffle_seed": self.suite.shuffle_seed,
            "fail_fast": self.suite.fail_fast,
        }


def many_wall_s(jobs: Sequence[SandboxJob], concurrency: int) -> float:
    """The longest ``jobs`` can take in one sandbox when each ends by its own bound and they
    are taken in order, ``concurrency`` at a time: a job starts at the latest once the others
    before it have shared the lanes, so it ends within (sum - own) / k + own."""
    walls = [job.wall_s for job in jobs]
    return sum(walls) / concurrency + max(walls) * (1 - 1 / concurrency)


@dataclass(frozen=True)
class AppLogChunk:
    """A run of the app log's text and when the supervisor read it (CLOCK_MONOTONIC seconds)."""

    first: float
    last: float
    text: str


@dataclass
class SandboxRun:
    """What came back from a run, before scoring; nothing here came from the app's stdout."""

    supervisor: dict[str, Any] | None = None
    raw_results: dict[str, Any] | None = None
    app_log: str = ""
    app_log_truncated: bool = False
    app_log_chunks: tuple[AppLogChunk, ...] = ()  # the log again, timed (app_log_times.py)
    suite_log: str = ""
    timed_out: bool = False
    exit_code: int | None = None
    oom_killed: bool = False
    error: str = ""
    info: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


class Sandbox(Protocol):
    """Anything that can run a job and hand back its run record."""

    def run(self, job: SandboxJob) -> SandboxRun: ...

    def run_many(self, jobs: Sequence[SandboxJob], concurrency: int) -> list[SandboxRun]:
        """Run one candidate's jobs in one sandbox, ``concurrency`` at a time, each with its
        own limits and deadline; a run record per job, in order."""
        ...

    def reap(self) -> int:
        """Remove what runs of a dead grader left behind; return how many were removed."""
        ...

    def close(self) -> None:
        """Remove anything kept ready for later runs (spares); runs after this start cold."""
        ...
