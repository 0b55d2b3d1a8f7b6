"""Prove a challenge: reference 100 every time, starter low, samples in range, suite well formed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import markdown

from grader.challenges import Challenge
from grader.config import Settings
from grader.errors import ChallengeError
from grader.pipeline import grade_path, parallel_map
from grader.results import Result
from grader.sandbox import Sandbox
from grader.scoring import compile_formula

REFERENCE_RUNS = 3
MIN_HIDDEN_TESTS = 12
MIN_VISIBLE_TESTS = 2
MIN_SAMPLES = 3


@dataclass(frozen=True)
class Check:
    """One thing validation proved or disproved, with the evidence."""

    name: str
    ok: bool
    detail: str


@dataclass
class ValidationReport:
    """Every check of one challenge; it passes only if every check does."""

    challenge: str
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def add(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append(Check(name, ok, detail))


def _describe(result: Result) -> str:
    return f"{result.score:g} ({result.status}: {result.reason})"


def validate_challenge(
    challenge: Challenge, *, sandbox: Sandbox, settings: Settings, workers: int = 1
) -> ValidationReport:
    """Grade the reference (three times), the starter and every sample; check the statement."""
    report = ValidationReport(challenge.slug)
    report.add("manifest", True, f"{len(challenge.skills)} skills, entry {challenge.entry}")
    try:
        if challenge.formula:
            compile_formula(challenge.formula)
        report.add("scoring formula", True, challenge.formula or "weighted percentage")
    except ChallengeError as exc:
        report.add("scoring formula", False, str(exc))
    _check_statement(challenge.statement_path, report)

    targets: list[tuple[str, Path]] = [("reference", challenge.solution_dir)] * REFERENCE_RUNS
    targets += [("starter", challenge.starter_dir)]
    targets += [(f"sample {s.name}", s.path) for s in challenge.samples]

    def run(target: tuple[str, Path]) -> Result:
        return grade_path(challenge=challenge, path=target[1], sandbox=sandbox, settings=settings)

    results = parallel_map(run, targets, workers)
    references = results[:REFERENCE_RUNS]
    scores = ", ".join(_describe(r) for r in references)
    report.add(
        f"reference scores 100 on {REFERENCE_RUNS} runs",
        all(r.status == "graded" and r.score == 100 for r in references),
        scores,
    )
    _check_suite_shape(references[0], report)
    _check_skills(challenge, references[0], report)
    starter = results[REFERENCE_RUNS]
    report.add(
        f"starter runs and scores at most {challenge.starter_max:g}",
        starter.status == "graded" and starter.score <= challenge.starter_max,
        _describe(starter),
    )
    for sample, result in zip(challenge.samples, results[REFERENCE_RUNS + 1 :], strict=True):
        report.add(
            f"sample {sample.name} in {sample.min_score:g}..{sample.max_score:g}",
            sample.min_score <= result.score <= sample.max_score,
            _describe(result),
        )
    report.add(
        f"at least {MIN_SAMPLES} samples",
        len(challenge.samples) >= MIN_SAMPLES,
        ", ".join(s.name for s in challenge.samples) or "no [samples.*] in the manifest",
    )
    return report


def _check_statement(path: Path, report: ValidationReport) -> None:
    try:
        html = markdown.markdown(
            path.read_text(encoding="utf-8"), extensions=["fenced_code", "tables"]
        )
    except (OSError, UnicodeDecodeError) as exc:
        report.add("statement renders", False, f"README.md: {exc}")
        return
    report.add(
        "statement renders", "<h1>" in html or "<h2>" in html, f"{len(html)} characters of HTML"
    )


def _check_suite_shape(reference: Result, report: ValidationReport) -> None:
    hidden = sum(not t.visible for t in reference.tests)
    visible = sum(t.visible for t in reference.tests)
    report.add(
        f"suite has >= {MIN_HIDDEN_TESTS} hidden and >= {MIN_VISIBLE_TESTS} visible tests",
        hidden >= MIN_HIDDEN_TESTS and visible >= MIN_VISIBLE_TESTS,
        f"{hidden} hidden, {visible} visible",
    )


def _check_skills(challenge: Challenge, reference: Result, report: ValidationReport) -> None:
    """Every test names a manifest skill, and every manifest skill has a test."""
    used = {t.skill for t in reference.tests}
    declared = set(challenge.skills)
    unknown, untested = sorted(used - declared), sorted(declared - used)
    detail = "; ".join(
        part
        for part in (
            f"tests use undeclared skills: {', '.join(unknown)}" if unknown else "",
            f"skills without a test: {', '.join(untested)}" if untested else "",
        )
        if part
    )
    report.add("skills match the manifest", not detail, detail or ", ".join(challenge.skills))
