"""Benchmark: the same suite against the same reference app, bare and sandboxed.

Prints medians and their ratio; the machines are noisy, so both modes run interleaved in one
process and only the ratio within one run is meaningful.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from grader.challenges import Challenge
from grader.config import Settings
from grader.errors import GraderError
from grader.pipeline import grade_path, open_sandbox


@dataclass(frozen=True)
class BenchResult:
    """Wall-clock seconds of each grading, per mode."""

    challenge: str
    bare_s: list[float]
    sandboxed_s: list[float]

    def summary(self) -> str:
        """Medians, spread and the ratio, as printed by ``grader bench``."""
        lines = [f"{self.challenge} reference, {len(self.bare_s)} runs per mode"]
        for name, times in (("bare", self.bare_s), ("sandboxed", self.sandboxed_s)):
            lines.append(
                f"  {name:<9} median {statistics.median(times):.3f} s"
                f"  (min {min(times):.3f}, max {max(times):.3f})"
            )
        ratio = statistics.median(self.sandboxed_s) / statistics.median(self.bare_s)
        lines.append(f"  ratio sandboxed/bare {ratio:.2f}x")
        return "\n".join(lines)


def run_benchmark(*, challenge: Challenge, settings: Settings, runs: int) -> BenchResult:
    """Grade the reference ``runs`` times per mode, interleaved; every run must score 100."""
    modes = {"bare": open_sandbox(settings, bare=True), "sandboxed": open_sandbox(settings)}
    times: dict[str, list[float]] = {name: [] for name in modes}
    for _ in range(runs + 1):  # the first round warms caches and is not counted
        for name, sandbox in modes.items():
            started = time.perf_counter()
            result = grade_path(
                challenge=challenge, path=challenge.solution_dir, sandbox=sandbox, settings=settings
            )
            elapsed = time.perf_counter() - started
            if result.score != 100:
                raise GraderError(f"the {name} run scored {result.score:g}: {result.reason}")
            times[name].append(elapsed)
    return BenchResult(challenge.slug, times["bare"][1:], times["sandboxed"][1:])
