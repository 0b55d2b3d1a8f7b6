"""Benchmark: the same suite against the same reference app, bare and sandboxed, cold and warm.

Cold: each grading starts its sandbox from nothing (a one-off ``grader grade``). Warm: a spare
was started after the previous grading and has been idle a moment, as on the web app between
submissions (see ``sandbox.spares``); bare runs get the same treatment, so each ratio compares
like with like. The machines are noisy, so both modes run interleaved in one
process and only ratios within one run are meaningful.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from grader.challenges import Challenge
from grader.config import Settings
from grader.errors import GraderError
from grader.pipeline import grade_path, open_sandbox
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
