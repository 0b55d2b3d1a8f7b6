"""Prove a challenge: reference 100 in any order, starter low, samples in range, every promise
tested, and (with mutants) a suite that tells the reference from its likely mistakes.
"""

from __future__ import annotations

import random
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import markdown

from grader.challenges import Challenge
from grader.config import Settings
from grader.errors import ChallengeError
from grader.mutation import Mutant, mutants_of_folder, sample, write_mutant
from grader.pipeline import grade_path, parallel_map
from grader.requirements import numbering_gaps, ordered
from grader.results import Result
from grader.sandbox import Sandbox, SuiteOptions
from grader.scoring import compile_formula

REFERENCE_RUNS = 3  # the first in file order, the others shuffled
FAILURES_SHOWN = 3  # a failing reference's first failing tests named in validation's output
MIN_HIDDEN_TESTS = 12
MIN_VISIBLE_TESTS = 2
MIN_SAMPLES = 3
# The checks that read the reference's tests: skipped, by these names, when it was not graded.
FLAKY_CHECK = "no test changes outcome between runs or orders"
SHAPE_CHECK = f"suite has >= {MIN_HIDDEN_TESTS} hidden and >= {MIN_VISIBLE_TESTS} visible tests"
SKILLS_CHECK = "skills match the manifest"
REQUIREMENTS_CHECK = "every numbered requirement is tested"
SUITE_CHECKS = (FLAKY_CHECK, SHAPE_CHECK, SKILLS_CHECK, REQUIREMENTS_CHECK)


@dataclass(frozen=True)
class Check:
    """One thing validation proved or disproved, with the evidence."""

    name: str
    ok: bool
    detail: str
    skipped: bool = False  # not run: what it checks needs an earlier check to pass


@dataclass(frozen=True)
class MutantOutcome:
    """How the suite fared against one mutant."""

    mutant: Mutant
    verdict: str  # killed | survived | equivalent | error
    detail: str  # the first test that failed, the declared reason, or what went wrong


@dataclass
class MutationReport:
    """Mutation testing of a reference: each mutant graded, the score, the survivors."""

    generated: int
    outcomes: list[MutantOutcome]
    threshold: float
    seconds: float
    stale_equivalents: list[str] = field(default_factory=list)  # declared, never a survivor

    def count(self, verdict: str) -> int:
        return sum(o.verdict == verdict for o in self.outcomes)

    @property
    def score(self) -> float:
        """Killed mutants as a percentage of the mutants not declared equivalent."""
        considered = len(self.outcomes) - self.count("equivalent")
        return round(100 * self.count("killed") / considered, 1) if considered else 100.0

    def survivors(self) -> list[MutantOutcome]:
        return [o for o in self.outcomes if o.verdict in ("survived", "error")]


@dataclass
class ValidationReport:
    """Every check of one challenge; it passes only if every check does."""

    challenge: str
    checks: list[Check] = field(default_factory=list)
    seed: int = 0  # the shuffled runs' seed: `validate --seed` repeats their orders
    mutation: MutationReport | None = None

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def add(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append(Check(name, ok, detail))

    def skip(self, name: str, why: str) -> None:
        """Record a check that could not run; it fails the report, but says it was not run."""
        self.checks.append(Check(name, False, f"skipped: {why}", skipped=True))


def _describe(result: Result) -> str:
    return f"{result.score:g} ({result.status}: {result.reason})"


def _cause(result: Result) -> str:
    """Why a reference lost points: its first failing tests and the app log's last error."""
    failing = [t for t in result.tests if t.outcome in ("failed", "error")][:FAILURES_SHOWN]
    parts = [f"{t.id}: {_first_line(t.message)}" for t in failing]
    errors = [
        line.strip()
        for line in result.app_log.splitlines()
        if re.match(r"\s*[\w.]*(Error|Exception)\b", line)
    ]
    if errors:
        parts.append(f"app log: {errors[-1][:300]}")
    return "".join(f"\n{part}" for part in parts)


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")[:200]


def validate_challenge(
    challenge: Challenge,
    *,
    sandbox: Sandbox,
    settings: Settings,
    workers: int = 1,
    seed: int | None = None,
    mutants: int | None = None,
    mutant_sandbox: Sandbox | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> ValidationReport:
    """Grade the reference (in file order, then shuffled), the starter and every sample.

    With ``mutants`` (a most), grade that many mutants of the reference too, in
    ``mutant_sandbox`` (default: ``sandbox``), and fail below the manifest's threshold.
    ``progress`` hears a line as each grading starts.
    """
    seed = random.SystemRandom().randrange(1, 10**6) if seed is None else seed
    report = ValidationReport(challenge.slug, seed=seed)
    report.add("manifest", True, f"{len(challenge.skills)} skills, entry {challenge.entry}")
    _check_scoring_rules(challenge, report)
    _check_statement(challenge.statement_path, report)

    orders: list[int | None] = [None] + [seed + n for n in range(1, REFERENCE_RUNS)]
    targets: list[tuple[str, Path, int | None]] = [
        ("reference", challenge.solution_dir, order) for order in orders
    ]
    targets += [("starter", challenge.starter_dir, None)]
    targets += [(f"sample {s.name}", s.path, None) for s in challenge.samples]

    def run(target: tuple[str, Path, int | None]) -> Result:
        progress(f"grading the {target[0]}")
        return grade_path(
            challenge=challenge,
            path=target[1],
            sandbox=sandbox,
            settings=settings,
            suite=SuiteOptions(shuffle_seed=target[2]),
        )

    results = parallel_map(run, targets, workers)
    references = results[:REFERENCE_RUNS]
    scores = ", ".join(
        f"{'file order' if order is None else f'seed {order}'}: {_describe(r)}"
        for order, r in zip(orders, references, strict=True)
    )
    below = next((r for r in references if not (r.status == "graded" and r.score == 100)), None)
    report.add(
        f"reference scores 100 on {REFERENCE_RUNS} runs, {REFERENCE_RUNS - 1} in shuffled orders",
        below is None,
        scores + (_cause(below) if below is not None else ""),
    )
    unrun = next((r for r in references if r.status != "graded"), None)
    if unrun is None:
        _check_flaky(orders, references, report)
        _check_suite_shape(references[0], report)
        _check_skills(challenge, references[0], report)
        _check_requirements(challenge, references[0], report)
    else:  # no tests ran: "0 hidden, 0 visible" would blame the suite for the reference
        for name in SUITE_CHECKS:
            report.skip(name, f"the reference was not graded ({unrun.status})")
    starter = results[REFERENCE_RUNS]
    report.add(
        f"starter runs and scores at most {challenge.starter_max:g}",
        starter.status == "graded" and starter.score <= challenge.starter_max,
        _describe(starter),
    )
    for sample_, result in zip(challenge.samples, results[REFERENCE_RUNS + 1 :], strict=True):
        report.add(
            f"sample {sample_.name} in {sample_.min_score:g}..{sample_.max_score:g}",
            sample_.min_score <= result.score <= sample_.max_score,
            _describe(result),
        )
    report.add(
        f"at least {MIN_SAMPLES} samples",
        len(challenge.samples) >= MIN_SAMPLES,
        ", ".join(s.name for s in challenge.samples) or "no [samples.*] in the manifest",
    )
    if mutants and below is not None:
        report.skip("mutation testing", "the reference must score 100 first")
    elif mutants:
        report.mutation = run_mutants(
            challenge,
            sandbox=mutant_sandbox or sandbox,
            settings=settings,
            limit=mutants,
            workers=workers,
            progress=progress,
        )
        _check_mutation(report.mutation, report)
    return report


def run_mutants(
    challenge: Challenge,
    *,
    sandbox: Sandbox,
    settings: Settings,
    limit: int | None,
    workers: int = 1,
    progress: Callable[[str], None] = lambda _: None,
) -> MutationReport:
    """Grade up to ``limit`` mutants of the reference, each stopping at its first failing test."""
    started = time.monotonic()
    every = mutants_of_folder(challenge.solution_dir)
    chosen = sample(every, limit)
    equivalent = challenge.mutation.equivalent
    numbers = {id(m): n for n, m in enumerate(chosen, 1)}

    def judge(mutant: Mutant) -> MutantOutcome:
        progress(f"mutant {numbers[id(mutant)]}/{len(chosen)} {mutant.id}")
        with tempfile.TemporaryDirectory(prefix="grader-mutant-") as folder:
            write_mutant(challenge.solution_dir, mutant, Path(folder) / "mutant")
            result = grade_path(
                challenge=challenge,
                path=Path(folder) / "mutant",
                sandbox=sandbox,
                settings=settings,
                suite=SuiteOptions(fail_fast=True),
            )
        return _verdict(mutant, result, equivalent.get(mutant.id))

    outcomes = parallel_map(judge, chosen, workers)
    survivors = {o.mutant.id for o in outcomes if o.verdict in ("survived", "equivalent")}
    known, graded = {m.id for m in every}, {m.id for m in chosen}
    stale = [
        mutant_id
        for mutant_id in equivalent
        if mutant_id not in known or (mutant_id in graded and mutant_id not in survivors)
    ]
    return MutationReport(
        generated=len(every),
        outcomes=outcomes,
        threshold=challenge.mutation.threshold,
        seconds=round(time.monotonic() - started, 1),
        stale_equivalents=sorted(stale),
    )


def _verdict(mutant: Mutant, result: Result, equivalent_reason: str | None) -> MutantOutcome:
    if result.status in ("app_failed", "timeout"):
        return MutantOutcome(mutant, "killed", f"{result.status}: {result.reason[:200]}")
    if result.status != "graded":
        return MutantOutcome(mutant, "error", f"{result.status}: {result.reason[:200]}")
    failing = [t for t in result.tests if t.outcome in ("failed", "error")]
    if failing:
        return MutantOutcome(mutant, "killed", failing[0].id)
    if equivalent_reason is not None:
        return MutantOutcome(mutant, "equivalent", equivalent_reason)
    return MutantOutcome(mutant, "survived", "every test passed")


def _check_mutation(mutation: MutationReport, report: ValidationReport) -> None:
    killed, tested = mutation.count("killed"), len(mutation.outcomes)
    considered = tested - mutation.count("equivalent")
    sampled = (
        f" (a sample of {tested} of {mutation.generated})" if tested < mutation.generated else ""
    )
    survivors = "".join(
        f"\nsurvived {o.mutant.id}: {o.mutant.before} -> {o.mutant.after}"
        + (f" [{o.detail}]" if o.verdict == "error" else "")
        for o in mutation.survivors()
    )
    report.add(
        f"suite kills >= {mutation.threshold:g}% of mutants of the reference",
        mutation.score >= mutation.threshold and not mutation.count("error"),
        f"{mutation.score:g}%: {killed} of {considered} killed{sampled} in {mutation.seconds:g} s"
        + survivors,
    )
    declared = [o for o in mutation.outcomes if o.verdict == "equivalent"]
    if declared or mutation.stale_equivalents:
        report.add(
            "declared equivalent mutants survive, as declared",
            not mutation.stale_equivalents,
            "\n".join(
                [
                    f"{o.mutant.id} ({o.mutant.before} -> {o.mutant.after}): {o.detail}"
                    for o in declared
                ]
                + [
                    f"{m}: declared equivalent, but killed or no such mutant"
                    for m in mutation.stale_equivalents
                ]
            ),
        )


_NAMED = re.compile(r"""(requirements|skills)\[\s*(['"])(.*?)\2\s*\]""")


def _check_scoring_rules(challenge: Challenge, report: ValidationReport) -> None:
    """The formula compiles and every skill or requirement a rule reads exists."""
    rules = [("formula", challenge.formula)] if challenge.formula else []
    rules += [(f"cap “{cap.name}”", cap.when) for cap in challenge.caps]
    known = {"requirements": set(challenge.requirements), "skills": set(challenge.skills)}
    problems = []
    for name, text in rules:
        try:
            compile_formula(text)
        except ChallengeError as exc:
            problems.append(f"{name}: {exc}")
        for kind, _, key in _NAMED.findall(text):
            if key not in known[kind]:
                problems.append(f"{name} reads {kind}[{key!r}], which does not exist")
    summary = [f"formula {challenge.formula}"] if challenge.formula else ["weighted percentage"]
    summary += [f"cap “{c.name}”: at most {c.max:g} when {c.when}" for c in challenge.caps]
    report.add("scoring rules", not problems, "; ".join(problems) or "\n".join(summary))


def _check_flaky(orders: list[int | None], runs: list[Result], report: ValidationReport) -> None:
    """Name every test whose outcome differs between the reference's runs."""
    outcomes: dict[str, dict[str, list[str]]] = {}
    for order, run in zip(orders, runs, strict=True):
        label = "file order" if order is None else f"seed {order}"
        for test in run.tests:
            outcomes.setdefault(test.id, {}).setdefault(test.outcome, []).append(label)
    unstable = {test: seen for test, seen in outcomes.items() if len(seen) > 1}
    report.add(
        FLAKY_CHECK,
        not unstable,
        "; ".join(
            f"{test}: "
            + ", ".join(f"{outcome} in {' and '.join(where)}" for outcome, where in seen.items())
            for test, seen in unstable.items()
        )
        or f"{len(outcomes)} tests, same outcome in all {len(runs)} runs",
    )


def _check_requirements(challenge: Challenge, reference: Result, report: ValidationReport) -> None:
    """The statement numbers its promises; every test names some, every promise has a test."""
    declared = challenge.requirements
    problems = []
    if not declared:
        problems.append("the statement numbers no requirements (**R1** ...)")
    gaps = numbering_gaps(declared)
    if gaps:
        problems.append(f"numbering skips {', '.join(gaps)}")
    named = {r for t in reference.tests for r in t.requirements}
    untested = [r for r in declared if r not in named]
    if untested:
        problems.append(f"no test checks {', '.join(untested)}")
    unknown = ordered(named - set(declared))
    if unknown:
        problems.append(f"tests name requirements the statement lacks: {', '.join(unknown)}")
    unmarked = [t.id for t in reference.tests if not t.requirements]
    if unmarked:
        shown = ", ".join(unmarked[:5]) + (" ..." if len(unmarked) > 5 else "")
        problems.append(f"{len(unmarked)} tests name no requirement: {shown}")
    report.add(
        REQUIREMENTS_CHECK,
        not problems,
        "; ".join(problems) or f"{len(declared)} requirements, each checked by a test",
    )


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
        SHAPE_CHECK,
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
    report.add(SKILLS_CHECK, not detail, detail or ", ".join(challenge.skills))
