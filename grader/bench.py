"""Benchmarks: the same suite against the same reference app, bare and sandboxed, cold and warm;
and (``--workers``) gradings per minute in the local pool against workers through the broker.

Cold: each grading starts its sandbox from nothing (a one-off ``grader grade``). Warm: a spare
was started after the previous grading and has been idle a moment, as on the web app between
submissions (see ``sandbox.spares``); bare runs get the same treatment, so each ratio compares
like with like. The machines are noisy, so both modes run interleaved in one
process and only ratios within one run are meaningful.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from grader.batch import BatchItem
from grader.challenges import Challenge
from grader.config import Settings
from grader.errors import GraderError
from grader.pipeline import grade_path, open_sandbox, parallel_map
from grader.results import Result
from grader.sandbox import Sandbox

MODES = ("bare", "sandboxed")
# How long a warm grader sits idle before the timed grading: enough for a spare to start.
SETTLE_S = 1.5


@dataclass(frozen=True)
class BenchResult:
    """Wall-clock seconds of each grading, per start ("cold", "warm") and mode."""

    challenge: str
    runs: int
    seconds: dict[tuple[str, str], list[float]]

    def median(self, start: str, mode: str) -> float:
        return statistics.median(self.seconds[start, mode])

    def summary(self) -> str:
        """Medians, spread and ratios, as printed by ``grader bench``."""
        lines = [f"{self.challenge} reference, {self.runs} runs per mode"]
        for start in ("cold", "warm"):
            lines.append(f"{start}:")
            for mode in MODES:
                times = self.seconds[start, mode]
                lines.append(
                    f"  {mode:<9} median {self.median(start, mode):.3f} s"
                    f"  (min {min(times):.3f}, max {max(times):.3f})"
                )
            ratio = self.median(start, "sandboxed") / self.median(start, "bare")
            lines.append(f"  ratio sandboxed/bare {ratio:.2f}x")
        return "\n".join(lines)


def run_benchmark(
    *, challenge: Challenge, settings: Settings, runs: int, settle_s: float = SETTLE_S
) -> BenchResult:
    """Grade the reference ``runs`` times per mode, cold then warm; every run must score 100."""
    seconds: dict[tuple[str, str], list[float]] = {}
    for start, spares in (("cold", 0), ("warm", 1)):
        sandboxes = {
            "bare": open_sandbox(settings, bare=True, spares=spares),
            "sandboxed": open_sandbox(settings, spares=spares),
        }
        try:
            pause = settle_s if spares else 0.0
            for mode, times in _interleaved(challenge, settings, sandboxes, runs, pause).items():
                seconds[start, mode] = times
        finally:
            for sandbox in sandboxes.values():
                sandbox.close()
    return BenchResult(challenge.slug, runs, seconds)


def _interleaved(
    challenge: Challenge,
    settings: Settings,
    sandboxes: dict[str, Sandbox],
    runs: int,
    pause_s: float,
) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {mode: [] for mode in sandboxes}
    for _ in range(runs + 1):  # the first round warms caches (and spares), and is not counted
        for mode, sandbox in sandboxes.items():
            time.sleep(pause_s)
            started = time.perf_counter()
            result = grade_path(
                challenge=challenge, path=challenge.solution_dir, sandbox=sandbox, settings=settings
            )
            elapsed = time.perf_counter() - started
            if result.score != 100:
                raise GraderError(f"the {mode} run scored {result.score:g}: {result.reason}")
            times[mode].append(elapsed)
    return {mode: values[1:] for mode, values in times.items()}


@dataclass(frozen=True)
class ThroughputResult:
    """Gradings per minute with K gradings at once: the local pool against broker workers."""

    challenge: str
    rounds: int
    per_minute: dict[tuple[str, int], float]  # ("local" | "broker", K) -> median per minute

    def summary(self) -> str:
        """One line per worker count, as printed by ``grader bench --workers``."""
        lines = [
            f"{self.challenge} reference, median of {self.rounds} interleaved rounds of "
            "2K gradings per mode"
        ]
        for count in sorted({k for _, k in self.per_minute}):
            local = self.per_minute["local", count]
            broker = self.per_minute["broker", count]
            overhead = (local - broker) / local * 100
            lines.append(
                f"  {count} worker(s): local pool {local:.1f}/min, through the broker "
                f"{broker:.1f}/min (overhead {overhead:+.1f} %)"
            )
        return "\n".join(lines)


def run_throughput_benchmark(
    *, challenge: Challenge, settings: Settings, worker_counts: list[int], runs: int
) -> ThroughputResult:
    """For each K: a local pool of K and one `grader worker --concurrency K` started here,
    both warm; ``runs`` rounds, each timing 2K gradings of the reference in one mode then the
    other (the machine's noise hits both alike); the medians."""
    from grader.workers.batch import remote_grader

    per_minute: dict[tuple[str, int], float] = {}
    item = BatchItem("bench", challenge, challenge.solution_dir)
    for count in worker_counts:
        with (
            closing(open_sandbox(settings, spares=count)) as sandbox,
            _local_worker(settings, count),
        ):
            # In flight: the pool's K slots; a batch sends every item at once and the worker
            # reserves one per slot (prefetch 1), the rest wait in Redis.
            modes = {
                "local": (partial(_grade_locally, item, sandbox, settings), count),
                "broker": (partial(remote_grader(settings), item), 2 * count),
            }
            for grade, in_flight in modes.values():  # warm-up: spares started, caches filled
                _per_minute(grade, count, in_flight)
            rates: dict[str, list[float]] = {mode: [] for mode in modes}
            for _ in range(runs):
                for mode, (grade, in_flight) in modes.items():
                    rates[mode].append(_per_minute(grade, 2 * count, in_flight))
            for mode, values in rates.items():
                per_minute[mode, count] = statistics.median(values)
    return ThroughputResult(challenge.slug, runs, per_minute)


def _grade_locally(item: BatchItem, sandbox: Sandbox, settings: Settings) -> Result:
    assert item.path is not None
    return grade_path(challenge=item.challenge, path=item.path, sandbox=sandbox, settings=settings)


def _per_minute(grade_one: Callable[[], Result], gradings: int, in_flight: int) -> float:
    """Gradings per minute of ``gradings`` gradings, ``in_flight`` at once; each must score
    100."""

    def one(_: int) -> Result:
        return grade_one()

    started = time.perf_counter()
    results = parallel_map(one, range(gradings), in_flight)
    elapsed = time.perf_counter() - started
    bad = [r for r in results if r.score != 100]
    if bad:
        raise GraderError(f"a reference grading scored {bad[0].score:g}: {bad[0].reason}")
    return gradings / elapsed * 60


@contextmanager
def _local_worker(settings: Settings, concurrency: int) -> Iterator[None]:
    """A `grader worker --concurrency K` subprocess of this grader, until the block ends."""
    environ = dict(os.environ, GRADER_BROKER_URL=settings.broker_url)
    environ["GRADER_DATABASE_URL"] = settings.database_url
    with tempfile.TemporaryDirectory(prefix="grader-bench-") as folder:
        log_path = Path(folder) / "worker.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "grader.cli", "worker", f"--concurrency={concurrency}"],
                env=environ,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + 120
            while b" ready." not in log_path.read_bytes():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise GraderError(
                        f"the benchmark's worker did not start:\n{log_path.read_text()}"
                    )
                time.sleep(0.2)
            yield
        finally:
            process.terminate()
            process.wait(120)
