"""What changed between two results of a submission (a re-grade): pure, from the documents alone.

``diff_results`` compares score, status, each test's outcome (by id), the tests added and
removed, what the run was made with (challenge version, sandbox image, grader) and its timings.
``describe_diff`` says it in lines of text for the terminal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from grader.results import Result

# Timings that moved by less than this (and by less than TIMING_RATIO) are noise, not change.
TIMING_NOISE_S = 0.05
TIMING_RATIO = 0.2
_TIMING_ORDER = ("setup_s", "app_start_s", "suite_s", "total_s", "start_s", "run_s", "sandbox_s")


@dataclass(frozen=True)
class TestChange:
    """One test whose outcome differs: ``old`` or ``new`` is None when it is absent there."""

    __test__ = False  # not a pytest test class

    id: str
    description: str
    old: str | None
    new: str | None

    @property
    def kind(self) -> str:
        """``fixed``, ``broken``, ``changed``, ``added`` or ``removed``."""
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        if self.new == "passed":
            return "fixed"
        if self.old == "passed":
            return "broken"
        return "changed"


@dataclass(frozen=True)
class Provenance:
    """One fact about how a run was made (challenge version, image, grader), old and new."""

    label: str
    old: str
    new: str

    @property
    def changed(self) -> bool:
        return self.old != self.new


@dataclass(frozen=True)
class TimingChange:
    """One timing of the two runs, in seconds (None where a run did not record it)."""

    name: str
    old: float | None
    new: float | None

    @property
    def notable(self) -> bool:
        """Whether it moved by more than noise: both TIMING_NOISE_S and TIMING_RATIO of it."""
        if self.old is None or self.new is None:
            return self.old != self.new
        moved = abs(self.new - self.old)
        return moved >= TIMING_NOISE_S and moved >= TIMING_RATIO * max(self.old, self.new)


@dataclass(frozen=True)
class ResultDiff:
    """Everything that differs between an older and a newer result."""

    old_score: float
    new_score: float
    old_status: str
    new_status: str
    old_reason: str
    new_reason: str
    old_graded_at: str
    new_graded_at: str
    same_submission: bool
    tests: tuple[TestChange, ...]  # changed outcome, added, removed; in the new run's order
    unchanged_tests: int
    provenance: tuple[Provenance, ...]
    timings: tuple[TimingChange, ...]

    @property
    def score_delta(self) -> float:
        return round(self.new_score - self.old_score, 2)

    @property
    def changed_tests(self) -> tuple[TestChange, ...]:
        return tuple(t for t in self.tests if t.old is not None and t.new is not None)

    @property
    def added_tests(self) -> tuple[TestChange, ...]:
        return tuple(t for t in self.tests if t.old is None)

    @property
    def removed_tests(self) -> tuple[TestChange, ...]:
        return tuple(t for t in self.tests if t.new is None)

    @property
    def changed_provenance(self) -> tuple[Provenance, ...]:
        return tuple(p for p in self.provenance if p.changed)

    @property
    def outcome_same(self) -> bool:
        """Whether the grading says the same: score, status and every test's outcome."""
        return self.score_delta == 0 and self.old_status == self.new_status and not self.tests


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _provenance(old: Result, new: Result) -> tuple[Provenance, ...]:
    def image(result: Result) -> str:
        return _text(result.sandbox.get("image"))

    def image_id(result: Result) -> str:
        return _text(result.sandbox.get("image_id"))

    def kind(result: Result) -> str:
        return _text(result.sandbox.get("kind"))

    facts = (
        ("Challenge version", lambda r: r.challenge_version),
        ("Sandbox", kind),
        ("Sandbox image", image),
        ("Sandbox image id", image_id),
        ("Grader version", lambda r: r.grader_version),
        ("Result schema", lambda r: r.schema),
    )
    return tuple(Provenance(label, get(old), get(new)) for label, get in facts)


def _timings(old: Result, new: Result) -> tuple[TimingChange, ...]:
    names = [n for n in _TIMING_ORDER if n in old.timings or n in new.timings]
    names += sorted((set(old.timings) | set(new.timings)) - set(names))
    return tuple(
        TimingChange(n, _seconds(old.timings.get(n)), _seconds(new.timings.get(n))) for n in names
    )


def diff_results(old: Result, new: Result) -> ResultDiff:
    """Compare an older result with a newer one (usually a re-grade of the same submission)."""
    before = {t.id: t for t in old.tests}
    after = {t.id: t for t in new.tests}
    changes = []
    for test in new.tests:
        previous = before.get(test.id)
        if previous is None:
            changes.append(TestChange(test.id, test.description, None, test.outcome))
        elif previous.outcome != test.outcome:
            changes.append(TestChange(test.id, test.description, previous.outcome, test.outcome))
    changes += [
        TestChange(t.id, t.description, t.outcome, None) for t in old.tests if t.id not in after
    ]
    unchanged = sum(1 for t in new.tests if t.id in before and before[t.id].outcome == t.outcome)
    return ResultDiff(
        old_score=old.score,
        new_score=new.score,
        old_status=old.status,
        new_status=new.status,
        old_reason=old.reason,
        new_reason=new.reason,
        old_graded_at=old.graded_at,
        new_graded_at=new.graded_at,
        same_submission=old.submission_sha256 == new.submission_sha256,
        tests=tuple(changes),
        unchanged_tests=unchanged,
        provenance=_provenance(old, new),
        timings=_timings(old, new),
    )


def _number(value: float) -> str:
    return f"{round(value, 2):g}"


def _duration(value: float | None) -> str:
    if value is None:
        return "none"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def describe_diff(diff: ResultDiff) -> list[str]:
    """Say what changed, one fact a line, for the terminal."""
    sign = "+" if diff.score_delta > 0 else ""
    lines = []
    if not diff.same_submission:
        lines.append("warning: the two results are of different submissions")
    score = f"score: {_number(diff.old_score)} -> {_number(diff.new_score)}"
    lines.append(score + (f" ({sign}{_number(diff.score_delta)})" if diff.score_delta else ""))
    if diff.old_status != diff.new_status:
        lines.append(f"status: {diff.old_status} -> {diff.new_status} ({diff.new_reason})")
    else:
        lines.append(f"status: {diff.new_status} (unchanged)")
    for label, group in (
        ("tests that changed outcome", diff.changed_tests),
        ("tests added", diff.added_tests),
        ("tests removed", diff.removed_tests),
    ):
        if group:
            lines.append(f"{label} ({len(group)}):")
            lines += [f"  {t.id}: {t.old or 'absent'} -> {t.new or 'absent'}" for t in group]
    lines.append(f"tests with the same outcome: {diff.unchanged_tests}")
    for fact in diff.provenance:
        if fact.changed:
            lines.append(f"{fact.label.lower()}: {fact.old or 'none'} -> {fact.new or 'none'}")
    same = [f.label.lower() for f in diff.provenance if not f.changed and (f.old or f.new)]
    if same:
        lines.append(f"unchanged: {', '.join(same)}")
    for timing in diff.timings:
        mark = "  (notable)" if timing.notable else ""
        lines.append(
            f"timing {timing.name}: {_duration(timing.old)} -> {_duration(timing.new)}{mark}"
        )
    return lines
