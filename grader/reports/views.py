"""What each report shows, chosen from a result document (pure; the templates only lay it out)."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import Any

from markupsafe import Markup, escape

from grader.reports import charts
from grader.reports.code import make_visible
from grader.requirements import sort_key
from grader.results import STATUSES, Result, SkillScore, TestResult

BODY_EXCERPT_CHARS = 2000

STATUS_LABELS = {
    "graded": "Graded",
    "app_failed": "App failed",
    "timeout": "Timed out",
    "sandbox_error": "Grader error",
    "rejected": "Rejected",
}
OUTCOME_ORDER = {"failed": 0, "error": 1, "skipped": 2, "passed": 3}

_TIMING_LABELS = {
    "setup_s": "Set-up",
    "app_start_s": "App start",
    "suite_s": "Hidden suite",
    "total_s": "Supervisor total",
    "start_s": "Container start and job delivery",
    "run_s": "Container run",
    "sandbox_s": "Sandbox total",
}
_LIMIT_LABELS = {
    "deadline_s": "Deadline",
    "test_timeout_s": "Per-test timeout",
    "memory_mb": "Memory",
    "cpus": "CPUs",
    "pids": "Processes",
    "tmpfs_mb": "Scratch space",
    "network": "Network",
}


def status_label(status: str) -> str:
    """Name a status for people."""
    return STATUS_LABELS.get(status, status)


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def number(value: Any) -> str:
    """Format a score or weight without trailing zeros (90.48, 50, 2.5); show odd values as text."""
    finite = _finite(value)
    return str(value) if finite is None else f"{round(finite, 2):g}"


def duration(seconds: Any) -> str:
    """Format a duration for people: 12 ms, 1.25 s."""
    finite = _finite(seconds)
    if finite is None:
        return str(seconds)
    if finite < 1:
        return f"{finite * 1000:.0f} ms"
    return f"{finite:.2f} s"


def when(iso: str) -> str:
    """Format an ISO timestamp as 2026-11-25 15:40 UTC; leave anything else as it is."""
    try:
        moment = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return str(iso or "unknown")
    offset = moment.utcoffset()
    if offset is not None and not offset.total_seconds():
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    return moment.strftime("%Y-%m-%d %H:%M %z").strip()


def _labelled(values: Any, labels: Mapping[str, str]) -> list[tuple[str, str]]:
    if not isinstance(values, Mapping):
        return [("", str(values))] if values else []
    rows = []
    # Known keys in their labels' order, then the rest by name: a re-rendered document (whose
    # JSON has sorted keys) gives the same page as the first rendering.
    order = {key: n for n, key in enumerate(labels)}
    for key, value in sorted(
        values.items(), key=lambda kv: (order.get(str(kv[0]), len(order)), str(kv[0]))
    ):
        key = str(key)
        label = labels.get(key, key)
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            if key.endswith("_s"):
                text = duration(value) if key in _TIMING_LABELS else f"{value:g} s"
            elif key.endswith("_mb"):
                text = f"{value:g} MiB"
            else:
                text = f"{value:g}"
        else:
            text = str(value)
        rows.append((label, text))
    return rows


def timing_rows(timings: Any) -> list[tuple[str, str]]:
    """Name and format a run's timings."""
    return _labelled(timings, _TIMING_LABELS)


def limit_rows(limits: Any) -> list[tuple[str, str]]:
    """Name and format a sandbox's limits."""
    return _labelled(limits, _LIMIT_LABELS)


def size(n: Any) -> str:
    """Format a byte count for people: 812 bytes, 14 KiB, 2.1 MiB."""
    finite = _finite(n)
    if finite is None:
        return str(n)
    if finite >= 1024 * 1024:
        return f"{finite / (1024 * 1024):.1f} MiB"
    if finite >= 1024:
        return f"{finite / 1024:.0f} KiB"
    return f"{finite:.0f} bytes"


def ordered_tests(tests: Sequence[TestResult]) -> list[TestResult]:
    """Order tests failures first (failed, error, skipped, passed), keeping the suite's order."""
    return sorted(tests, key=lambda t: OUTCOME_ORDER.get(t.outcome, 0))


def outcome_counts(tests: Sequence[TestResult]) -> dict[str, int]:
    """Count tests per outcome, every outcome present."""
    counts = dict.fromkeys(("passed", "failed", "error", "skipped"), 0)
    for test in tests:
        counts[test.outcome] = counts.get(test.outcome, 0) + 1
    return counts


def weighted_percent(skills: Mapping[str, SkillScore]) -> float | None:
    """Return the weighted pass rate over all skills, or None when nothing was weighed."""
    possible = sum(s.possible for s in skills.values())
    if not possible:
        return None
    return round(100 * sum(s.earned for s in skills.values()) / possible, 2)


def weakest_skill(skills: Mapping[str, SkillScore]) -> tuple[str, SkillScore] | None:
    """Return the skill with the lowest share earned, or None when every skill is complete."""
    if not skills:
        return None
    name, skill = min(skills.items(), key=lambda item: (item[1].percent, item[0]))
    return (name, skill) if skill.percent < 100 else None


@dataclass(frozen=True)
class ExchangeView:
    """One HTTP request and response, normalised and capped for display."""

    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...]
    request_body: str
    request_body_cut: bool
    status: str
    response_headers: tuple[tuple[str, str], ...]
    response_body: str
    response_body_cut: bool
    failing: bool = False  # the response the failing line looked at
    app_log: str = ""  # what the app logged serving it: a visible test's 5xx only

    @property
    def status_class(self) -> str:
        if not (self.status.isdigit() and len(self.status) == 3):
            return "none"
        return f"s{self.status[0]}xx"

    @property
    def status_text(self) -> str:
        try:
            return HTTPStatus(int(self.status)).phrase if self.status.isdigit() else ""
        except ValueError:
            return ""


def _headers(value: Any) -> tuple[tuple[str, str], ...]:
    if isinstance(value, Mapping):
        return tuple((str(k), str(v)) for k, v in value.items())
    if value:
        return (("", str(value)),)
    return ()


def _excerpt(value: Any) -> tuple[str, bool]:
    text = "" if value is None else str(value)
    if len(text) <= BODY_EXCERPT_CHARS:
        return text, False
    return text[:BODY_EXCERPT_CHARS], True


def exchange_view(
    exchange: Mapping[str, Any] | None, *, visible: bool = False
) -> ExchangeView | None:
    """Normalise a test row's ``exchange`` for display; None when there is none.

    The app's log of the request is shown for a ``visible`` test's exchange only: grading
    cuts it for no other, and a page never shows it for a hidden test even if a document did.
    The template escapes it; control characters (terminal colours) are made visible here.
    """
    if not isinstance(exchange, Mapping) or not exchange:
        return None
    request_body, request_cut = _excerpt(exchange.get("request_body"))
    response_body, response_cut = _excerpt(exchange.get("response_body"))
    status = exchange.get("status")
    return ExchangeView(
        method=str(exchange.get("method") or ""),
        url=str(exchange.get("url") or ""),
        request_headers=_headers(exchange.get("request_headers")),
        request_body=request_body,
        request_body_cut=request_cut,
        status="" if status in (None, "") else str(status),
        response_headers=_headers(exchange.get("response_headers")),
        response_body=response_body,
        response_body_cut=response_cut,
        failing=exchange.get("failing") is True,
        # A log is the app's own text: its terminal colours and controls are shown, not obeyed.
        app_log=make_visible(str(exchange.get("app_log") or "")) if visible else "",
    )


_INLINE_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def inline_markdown(text: str) -> Markup:
    """Show a statement's inline code and bold as such; everything else stays plain text.

    The text is escaped first, so the only markup on the page is what this adds.
    """
    escaped = str(escape(text))
    return Markup(_BOLD.sub(r"<strong>\1</strong>", _INLINE_CODE.sub(r"<code>\1</code>", escaped)))


def anchor(test_id: str) -> str:
    """A page-safe element id for a test (test ids hold spaces, brackets and colons)."""
    return "test-" + hashlib.sha256(test_id.encode()).hexdigest()[:12]


def exchange_views(test: TestResult) -> list[ExchangeView]:
    """A failing test's exchanges in the order it sent them (none for a passed test)."""
    if test.outcome == "passed":
        return []
    views = (exchange_view(e, visible=test.visible) for e in test.exchanges)
    return [v for v in views if v is not None]


@dataclass(frozen=True)
class RequirementRow:
    """One numbered requirement of the statement and how the tests that check it fared."""

    id: str
    text: str
    tests: tuple[TestResult, ...]

    @property
    def failing(self) -> tuple[TestResult, ...]:
        return tuple(t for t in self.tests if t.outcome in ("failed", "error"))

    @property
    def outcome(self) -> str:
        if not self.tests:
            return "skipped"
        return "failed" if self.failing else "passed"


def requirement_rows(result: Result) -> list[RequirementRow]:
    """The statement's requirements in its order, each with the tests that name it."""
    rows = []
    for rid, text in sorted(result.requirements.items(), key=lambda kv: sort_key(kv[0])):
        tests = tuple(t for t in result.tests if rid in t.requirements)
        rows.append(RequirementRow(rid, text, tests))
    return rows


@dataclass(frozen=True)
class ScoringNote:
    """Why the score is below the weighted share of passed tests, rule by rule."""

    weighted: float
    score: float
    rule: str  # the named cap or the formula that set the score
    detail: str  # its condition, or the formula's branch and term


def scoring_note(result: Result) -> ScoringNote | None:
    """Name the rule that set the score; None when the score is the weighted share."""
    explanation = result.scoring or {}
    weighted = _finite(explanation.get("weighted"))
    if weighted is None:  # a document from before scoring was explained
        weighted = weighted_percent(result.skills)
    if weighted is None or abs(weighted - result.score) < 0.01:
        return None
    capped_by = explanation.get("capped_by")
    for cap in explanation.get("caps") or []:
        if isinstance(cap, Mapping) and cap.get("name") == capped_by:
            return ScoringNote(
                weighted,
                result.score,
                f"cap “{capped_by}”",
                f"applies when {cap.get('when')}, and caps the score at {number(cap.get('max'))}",
            )
    formula = str(explanation.get("formula") or "")
    detail = str(explanation.get("formula_note") or "")
    return ScoringNote(weighted, result.score, f"formula {formula}" if formula else "rule", detail)


def skill_chart(skills: Mapping[str, SkillScore]) -> charts.BarChart:
    """Chart a result's skills by weighted percentage."""
    specs = [
        (name, s.percent, f"{number(s.percent)}%  ·  {s.passed}/{s.total} tests")
        for name, s in skills.items()
    ]
    return charts.bar_chart([("", specs)])


# -- the candidate's view: built so that hidden tests cannot reach the template --------------


@dataclass(frozen=True)
class SkillCounts:
    """Passed and total tests of one skill, visible and hidden apart."""

    name: str
    visible_passed: int
    visible_total: int
    hidden_passed: int
    hidden_total: int
    # The suite authors' hints of the hidden tests that failed (their words, nothing else of
    # the tests), and how many answers of the app in those tests were server errors (5xx).
    hints: tuple[str, ...] = ()
    crashes: int = 0

    @property
    def passed(self) -> int:
        return self.visible_passed + self.hidden_passed

    @property
    def total(self) -> int:
        return self.visible_total + self.hidden_total


@dataclass(frozen=True)
class CandidateView:
    """Everything a candidate may see of a result, and nothing else."""

    challenge: str
    challenge_title: str
    challenge_version: str
    submission_name: str
    submission_sha256: str
    candidate: str
    status: str
    reason: str
    score: float
    max_score: float
    graded_at: str
    grader_version: str
    visible_tests: tuple[TestResult, ...]
    skills: tuple[SkillCounts, ...]
    uncapped_score: float | None = None  # the tests' own score, when a scoring rule capped it

    @property
    def hidden_passed(self) -> int:
        return sum(s.hidden_passed for s in self.skills)

    @property
    def hidden_total(self) -> int:
        return sum(s.hidden_total for s in self.skills)

    @property
    def visible_passed(self) -> int:
        return sum(s.visible_passed for s in self.skills)

    @property
    def crashes(self) -> int:
        return sum(s.crashes for s in self.skills)

    @property
    def has_hints(self) -> bool:
        return any(s.hints for s in self.skills)

    @property
    def chart(self) -> charts.BarChart:
        specs = [
            (s.name, 100 * s.passed / s.total if s.total else 0.0, f"{s.passed}/{s.total} tests")
            for s in self.skills
        ]
        return charts.bar_chart([("", specs)])


# A grader error's reason can quote the hidden suite (a collection error, pytest's last line).
CANDIDATE_GRADER_ERROR = (
    "The grader could not finish checking this submission. This is not a problem with your "
    "code; your interviewer will re-grade it."
)


def server_errors(test: TestResult) -> int:
    """Count the app's 5xx answers among a test's recorded exchanges (kept for failures only)."""
    count = 0
    for exchange in test.exchanges:
        status = str(exchange.get("status") if isinstance(exchange, Mapping) else "")
        count += len(status) == 3 and status.isdigit() and status[0] == "5"
    return count


def candidate_view(result: Result) -> CandidateView:
    """Select what a candidate may see: visible tests in full, hidden ones as counts per skill,
    with the hints and the number of server errors of the hidden tests that failed."""
    counts: dict[str, list[int]] = {}
    hints: dict[str, list[str]] = {}
    for test in result.tests:
        row = counts.setdefault(test.skill, [0, 0, 0, 0, 0])
        offset = 0 if test.visible else 2
        row[offset] += test.outcome == "passed"
        row[offset + 1] += 1
        if not test.visible and test.outcome in ("failed", "error"):
            row[4] += server_errors(test)
            skill_hints = hints.setdefault(test.skill, [])
            if test.hint and test.hint not in skill_hints:
                skill_hints.append(test.hint)
    reason = CANDIDATE_GRADER_ERROR if result.status == "sandbox_error" else result.reason
    return CandidateView(
        challenge=result.challenge,
        challenge_title=result.challenge_title,
        challenge_version=result.challenge_version,
        submission_name=result.submission_name,
        submission_sha256=result.submission_sha256,
        candidate=result.candidate,
        status=result.status,
        reason=reason,
        score=result.score,
        max_score=result.max_score,
        graded_at=result.graded_at,
        grader_version=result.grader_version,
        visible_tests=tuple(ordered_tests([t for t in result.tests if t.visible])),
        skills=tuple(
            SkillCounts(name, row[0], row[1], row[2], row[3], tuple(hints.get(name, ())), row[4])
            for name, row in sorted(counts.items())
        ),
        # That a rule capped the score, and from what; never which rule (it names hidden tests).
        uncapped_score=note.weighted if (note := scoring_note(result)) else None,
    )


# -- several results: one candidate's assessment, a batch index ------------------------------


def candidate_name(result: Result) -> str:
    """Name the candidate of a result: its candidate, else its submission's name."""
    return result.candidate or result.submission_name or "unnamed"


def assessment_chart(results: Sequence[Result]) -> charts.BarChart:
    """Chart every skill of every challenge, grouped by challenge."""
    groups = []
    for result in results:
        title = f"{result.challenge_title or result.challenge}"
        if result.skills:
            specs = [
                (name, s.percent, f"{number(s.percent)}%  ·  {s.passed}/{s.total} tests")
                for name, s in result.skills.items()
            ]
        else:
            specs = [(f"no tests ran ({status_label(result.status).lower()})", 0.0, "—")]
        groups.append((title, specs))
    return charts.bar_chart(groups)


def mean_score(results: Sequence[Result]) -> float:
    """Return the unweighted mean of the results' scores (0 for none)."""
    return round(sum(r.score for r in results) / len(results), 2) if results else 0.0


def status_counts(results: Sequence[Result]) -> list[tuple[str, int]]:
    """Count results per status, in the schema's order, leaving out statuses never seen."""
    counts = dict.fromkeys(STATUSES, 0)
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    return [(status, n) for status, n in counts.items() if n]


def index_rows(rows: Sequence[tuple[Result, str]]) -> list[tuple[Result, str]]:
    """Order an index by candidate, then challenge: the order the page has without script."""
    return sorted(rows, key=lambda row: (candidate_name(row[0]).casefold(), row[0].challenge))
