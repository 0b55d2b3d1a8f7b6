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

from grader.batch import BatchItem, run_batch
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


# --- one candidate's assessment, and a cohort's throughput, through `grader batch`'s code path

# /proc/stat's cpu line: user nice system idle iowait irq softirq steal (guest is in user).
_BUSY_FIELDS = (0, 1, 2, 5, 6, 7)
# Where a cgroup-v1 engine with the cgroupfs driver accounts every container's CPU (ns); the
# parent keeps what removed containers used.
DOCKER_CPUACCT = Path("/sys/fs/cgroup/cpuacct/docker/cpuacct.usage")


@dataclass(frozen=True)
class CpuSample:
    """CPU seconds used so far: the whole host, this process (threads and reaped children
    included), and every Docker container (None where that accounting is not readable)."""

    host_s: float
    grader_s: float
    containers_s: float | None

    @classmethod
    def now(cls) -> CpuSample:
        """Read /proc/stat, getrusage and the engine's cpuacct cgroup."""
        with open("/proc/stat", encoding="ascii") as stat:
            fields = stat.readline().split()[1:]
        ticks = sum(int(fields[i]) for i in _BUSY_FIELDS if i < len(fields))
        own = os.times()
        try:
            containers: float | None = int(DOCKER_CPUACCT.read_text()) / 1e9
        except (OSError, ValueError):
            containers = None
        return cls(
            host_s=ticks / os.sysconf("SC_CLK_TCK"),
            grader_s=own.user + own.system + own.children_user + own.children_system,
            containers_s=containers,
        )

    def __sub__(self, other: CpuSample) -> CpuSample:
        containers = (
            None
            if self.containers_s is None or other.containers_s is None
            else self.containers_s - other.containers_s
        )
        return CpuSample(self.host_s - other.host_s, self.grader_s - other.grader_s, containers)


def _batch_once(
    items: list[BatchItem], settings: Settings, *, bare: bool, workers: int
) -> tuple[float, CpuSample, list[Result]]:
    """Wall seconds, CPU used and results of one `grader batch` of ``items`` (sandbox opened
    and closed inside the timing, as the command does; reports written to a temporary folder)."""
    with tempfile.TemporaryDirectory(prefix="grader-bench-") as out:
        cpu_before, started = CpuSample.now(), time.perf_counter()
        with closing(open_sandbox(settings, bare=bare)) as sandbox:
            outcome = run_batch(
                items=items, sandbox=sandbox, settings=settings, out_dir=Path(out), workers=workers
            )
        elapsed = time.perf_counter() - started
        cpu = CpuSample.now() - cpu_before
    return elapsed, cpu, [result for result, _ in outcome.rows]


def _all_full_marks(results: list[Result], what: str) -> None:
    bad = [r for r in results if r.score != 100]
    if bad:
        raise GraderError(f"{what}: {bad[0].challenge} scored {bad[0].score:g}: {bad[0].reason}")


@dataclass(frozen=True)
class AssessmentResult:
    """One candidate's references graded as one batch, against each reference graded bare
    alone: its hidden suite's time (the supervisor's ``suite_s``) and the whole grading's."""

    challenges: int
    cores: int
    mode: str  # what the batch ran in: "sandboxed" or "bare"
    batch_s: list[float]  # wall seconds of each batch
    suite_s: dict[str, list[float]]  # challenge -> bare suite seconds, one per run
    grading_s: dict[str, list[float]]  # challenge -> bare grading wall seconds, one per run

    def _medians(self, times: dict[str, list[float]]) -> dict[str, float]:
        return {slug: statistics.median(values) for slug, values in times.items()}

    @property
    def ideal_s(self) -> float:
        """max(sum of bare suite times / cores, longest bare suite)."""
        suites = self._medians(self.suite_s)
        return max(sum(suites.values()) / self.cores, max(suites.values()))

    @property
    def target_s(self) -> float:
        """Issue 16's target: 1.3 x max(sum of bare suite times / cores, longest) + 1 s."""
        return 1.3 * self.ideal_s + 1.0

    def summary(self) -> str:
        """Medians, the target and the ratio, as printed by ``grader bench --assessment``."""
        suites, gradings = self._medians(self.suite_s), self._medians(self.grading_s)
        slowest = max(suites, key=lambda slug: suites[slug])
        wall = statistics.median(self.batch_s)
        verdict = "met" if wall <= self.target_s else "NOT met"
        return "\n".join(
            [
                f"assessment: the {self.challenges} references as one candidate, "
                f"{self.cores} cores, medians of {len(self.batch_s)} runs",
                f"  batch ({self.mode}) wall       {wall:.2f} s  "
                f"(min {min(self.batch_s):.2f}, max {max(self.batch_s):.2f})",
                f"  bare suites, sum          {sum(suites.values()):.2f} s  "
                f"(whole bare gradings, one at a time: {sum(gradings.values()):.2f} s)",
                f"  longest bare suite        {suites[slowest]:.2f} s ({slowest})",
                f"  target 1.3 x max(sum/cores, longest) + 1 s = {self.target_s:.2f} s: {verdict}",
                f"  ratio wall / max(sum/cores, longest) {wall / self.ideal_s:.2f}x",
            ]
        )


def run_assessment_benchmark(
    *, challenges: list[Challenge], settings: Settings, runs: int, bare: bool = False
) -> AssessmentResult:
    """Grade every challenge's reference as one candidate's batch ``runs`` times, interleaved
    with each reference graded bare alone (one at a time); every grading must score 100.

    ``bare`` runs the batch bare too (a check of the benchmark itself, no Docker needed).
    """
    items = [BatchItem("candidate", c, c.solution_dir) for c in challenges]
    workers = settings.worker_count()
    batch_s: list[float] = []
    suite_s: dict[str, list[float]] = {c.slug: [] for c in challenges}
    grading_s: dict[str, list[float]] = {c.slug: [] for c in challenges}
    with closing(open_sandbox(settings, bare=True)) as bare_sandbox:
        for round_ in range(runs + 1):  # the first round warms caches, and is not counted
            for challenge in challenges:
                started = time.perf_counter()
                result = grade_path(
                    challenge=challenge,
                    path=challenge.solution_dir,
                    sandbox=bare_sandbox,
                    settings=settings,
                )
                elapsed = time.perf_counter() - started
                _all_full_marks([result], "a bare reference grading")
                if round_:
                    suite_s[challenge.slug].append(float(result.timings.get("suite_s", elapsed)))
                    grading_s[challenge.slug].append(elapsed)
            elapsed, _, results = _batch_once(items, settings, bare=bare, workers=workers)
            _all_full_marks(results, "the assessment batch")
            if round_:
                batch_s.append(elapsed)
    mode = "bare" if bare else "sandboxed"
    return AssessmentResult(len(challenges), workers, mode, batch_s, suite_s, grading_s)


@dataclass(frozen=True)
class CohortResult:
    """N copies of one reference through `grader batch`, repeated: per-run rates and CPU."""

    challenge: str
    copies: int
    workers: int
    mode: str
    seconds: list[float]
    cpu: list[CpuSample]
    loadavg: str

    def summary(self) -> str:
        """Medians of gradings per minute and CPU per grading, as ``grader bench --throughput``
        prints them."""
        n = self.copies
        rates = [n / s * 60 for s in self.seconds]
        host = [c.host_s / n for c in self.cpu]
        grader = [c.grader_s / n for c in self.cpu]
        lines = [
            f"throughput: {n} copies of the {self.challenge} reference through `grader batch` "
            f"({self.mode}, {self.workers} at once), medians of {len(self.seconds)} runs",
            f"  gradings per minute     {statistics.median(rates):.1f}  "
            f"(min {min(rates):.1f}, max {max(rates):.1f})",
            f"  host CPU-s per grading  {statistics.median(host):.3f}  "
            f"(/proc/stat: every process on the host, dockerd and containers included)",
            f"  grader process CPU-s    {statistics.median(grader):.3f}  "
            "(getrusage: this process and its reaped children)",
        ]
        if all(c.containers_s is not None for c in self.cpu):
            inside = [(c.containers_s or 0.0) / n for c in self.cpu]
            lines.append(
                f"  container CPU-s         {statistics.median(inside):.3f}  "
                "(cgroup cpuacct of every Docker container)"
            )
        lines.append(f"  load average before: {self.loadavg}")
        return "\n".join(lines)


def run_cohort_benchmark(
    *, challenge: Challenge, settings: Settings, copies: int, runs: int, bare: bool = False
) -> CohortResult:
    """Grade ``copies`` copies of the reference as one batch (one candidate each), ``runs``
    times after one uncounted warm-up; every grading must score 100."""
    items = [BatchItem(f"copy-{i:03d}", challenge, challenge.solution_dir) for i in range(copies)]
    workers = settings.worker_count()
    loadavg = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    seconds: list[float] = []
    cpu: list[CpuSample] = []
    for round_ in range(runs + 1):
        elapsed, used, results = _batch_once(items, settings, bare=bare, workers=workers)
        _all_full_marks(results, "a cohort grading")
        if round_:
            seconds.append(elapsed)
            cpu.append(used)
    mode = "bare" if bare else "sandboxed"
    return CohortResult(challenge.slug, copies, workers, mode, seconds, cpu, loadavg)
