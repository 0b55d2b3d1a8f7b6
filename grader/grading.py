"""Grade one submission against one challenge: the engine's core, free of Docker, Flask and click.

``grade`` hands a job to any Sandbox and turns the run record into a Result. Every run ends
with a Result, whatever the candidate's code does; only an unusable sandbox raises.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from grader import __version__
from grader.app_log_slices import with_app_logs
from grader.challenges import Challenge
from grader.config import LIMIT_NAMES, Settings
from grader.errors import ChallengeError, SandboxFailure
from grader.intake import Submission
from grader.results import OUTCOMES, Result, TestResult
from grader.sandbox import RunLimits, Sandbox, SandboxJob, SandboxRun, SuiteOptions
from grader.scoring import score_tests
from grader.submitted_files import read_submitted_files

MESSAGE_CAP = 2000
SANDBOX_ATTEMPTS = 2
RETRY_PAUSE_S = 2.0
EXCHANGE_FIELD_CAP = 4096
MAX_EXCHANGES = 20
MIN_REDACTED_CHARS = 4  # shorter values ("1", "on") would blank out ordinary text
HINT_CAP = 300


def run_limits(settings: Settings, challenge: Challenge) -> RunLimits:
    """Merge the grader's limits with the challenge's, which may only tighten them."""
    merged: dict[str, Any] = {}
    for name in LIMIT_NAMES:
        default = getattr(settings, name)
        value = min(default, challenge.limits.get(name, default))
        merged[name] = type(default)(value)
    return RunLimits(
        **merged, log_cap_bytes=settings.log_cap_bytes, output_cap_bytes=settings.output_cap_bytes
    )


def grade(
    *,
    challenge: Challenge,
    submission: Submission,
    sandbox: Sandbox,
    settings: Settings,
    suite: SuiteOptions | None = None,
) -> Result:
    """Run ``submission`` against ``challenge``'s hidden suite in ``sandbox`` and score it.

    ``suite`` changes how the suite runs, for validation's flaky and mutation checks only.
    """
    return grade_many([(challenge, submission)], sandbox=sandbox, settings=settings, suite=suite)[0]


def grade_many(
    items: Sequence[tuple[Challenge, Submission]],
    *,
    sandbox: Sandbox,
    settings: Settings,
    concurrency: int = 1,
    suite: SuiteOptions | None = None,
) -> list[Result]:
    """Grade one candidate's submissions, each against its challenge, in one sandbox.

    Each runs with its own limits and deadline, ``concurrency`` at a time; a result per item,
    in order, exactly as ``grade`` would give for each alone.
    """
    limits = [run_limits(settings, challenge) for challenge, _ in items]
    jobs = [
        SandboxJob(
            submission_dir=submission.root,
            tests_dir=challenge.tests_dir,
            entry=challenge.entry,
            app_env=challenge.app_env,
            default_skill=challenge.skills[0],
            limits=job_limits,
            bytecode_cache=settings.cache_dir / "bytecode",
            suite=suite or SuiteOptions(),
            setup=challenge.setup,
        )
        for (challenge, submission), job_limits in zip(items, limits, strict=True)
    ]
    runs = _run_with_retry(sandbox, jobs, max(1, min(concurrency, len(jobs))))
    return [
        interpret(challenge, submission, run, job_limits)
        for (challenge, submission), run, job_limits in zip(items, runs, limits, strict=True)
    ]


def _run_with_retry(
    sandbox: Sandbox, jobs: Sequence[SandboxJob], concurrency: int
) -> list[SandboxRun]:
    """Run once more after a sandbox failure (an engine restart); then report it as each run."""
    failures = []
    for attempt in range(SANDBOX_ATTEMPTS):
        if attempt:
            time.sleep(RETRY_PAUSE_S)
        try:
            return sandbox.run_many(jobs, concurrency)
        except SandboxFailure as exc:
            failures.append(str(exc))
    return [SandboxRun(error=f"{failures[-1]} (tried {SANDBOX_ATTEMPTS} times)") for _ in jobs]


def _base(challenge: Challenge, submission: Submission | None, name: str = "") -> dict[str, Any]:
    return {
        "challenge": challenge.slug,
        "challenge_title": challenge.title,
        "challenge_version": challenge.version,
        "submission_sha256": submission.sha256 if submission else "",
        "submission_name": submission.source_name if submission else name,
        "grader_version": __version__,
        "graded_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def unrun_result(
    challenge: Challenge, submission_name: str, reason: str, status: str = "rejected"
) -> Result:
    """The result of a submission that never ran: refused by intake, missing, or no sandbox."""
    return Result(
        **_base(challenge, None, submission_name), status=status, reason=reason, score=0.0
    )


def interpret(
    challenge: Challenge, submission: Submission, run: SandboxRun, limits: RunLimits
) -> Result:
    """Turn a run record into a Result; pure apart from the timestamp."""
    supervisor = run.supervisor or {}
    timings = {
        k: round(float(v), 3) for k, v in {**supervisor.get("timings", {}), **run.timings}.items()
    }
    redact = _redactor(challenge.app_env)
    files, files_cut = read_submitted_files(submission.root, submission.files, redact)
    common = {
        **_base(challenge, submission),
        "files": files,
        "files_cut": files_cut,
        "app_log": redact(run.app_log),
        "app_log_truncated": run.app_log_truncated,
        "timings": timings,
        "sandbox": run.info,
    }
    status, reason = _status(run, supervisor, limits.wall_s(bool(challenge.setup)), limits)
    if status != "graded":  # an app_failed reason quotes the app's last start-up line
        return Result(**common, status=status, reason=redact(reason), score=0.0)
    assert run.raw_results is not None  # _status grades only a run with a list of tests
    try:
        tests = tuple(_test_row(row, challenge, redact) for row in run.raw_results["tests"])
        tests = with_app_logs(tests, run.app_log_chunks, redact)
        score = score_tests(tests, challenge.formula, challenge.caps, challenge.requirements)
    except (KeyError, TypeError, ValueError) as exc:
        reason = f"the hidden suite's results were malformed ({type(exc).__name__}: {exc})"
        return Result(**common, status="sandbox_error", reason=reason, score=0.0)
    except ChallengeError as exc:
        return Result(**common, status="sandbox_error", reason=str(exc), score=0.0)
    passed = sum(t.outcome == "passed" for t in tests)
    reason = f"{passed} of {len(tests)} tests passed"
    return Result(
        **common,
        status="graded",
        reason=reason,
        score=score.score,
        tests=tests,
        skills=score.skills,
        requirements=challenge.requirements,
        scoring=score.explanation,
    )


def _status(
    run: SandboxRun, supervisor: dict[str, Any], wall_s: float, limits: RunLimits
) -> tuple[str, str]:
    """Decide the run's status and its human reason from what the sandbox reported."""
    if run.error:
        return "sandbox_error", run.error
    if run.timed_out:
        return "timeout", f"the run exceeded its {wall_s:g} s deadline and was stopped"
    app = supervisor.get("app", {})
    suite = supervisor.get("suite", {})
    if not supervisor:
        if run.oom_killed:
            return "app_failed", f"the run exhausted its {limits.memory_mb} MiB memory limit"
        return "sandbox_error", f"the sandbox ended without a report (exit code {run.exit_code})"
    if supervisor.get("phase") == "crashed":
        return "sandbox_error", f"the sandbox supervisor failed: {supervisor.get('error', '?')}"
    if app.get("started") is False:
        return "app_failed", str(app.get("reason") or "the app did not start")
    if suite.get("timed_out"):
        return "timeout", f"the hidden suite did not finish within {suite.get('timeout_s', 0):g} s"
    results = run.raw_results
    if not results or not isinstance(results.get("tests"), list):
        return "sandbox_error", "the hidden suite produced no results" + _suite_hint(run)
    if results.get("errors"):
        first = str(results["errors"][0])[:300]
        return "sandbox_error", f"the hidden suite failed to load: {first}"
    if not results["tests"]:
        return "sandbox_error", "the hidden suite collected no tests"
    return "graded", ""


def _suite_hint(run: SandboxRun) -> str:
    lines = [line for line in run.suite_log.strip().splitlines() if line.strip()]
    return f" (pytest said: {lines[-1][:200]})" if lines else ""


def _cap(value: Any, limit: int) -> str:
    text = value if isinstance(value, str) else "" if value is None else str(value)
    return text if len(text) <= limit else text[:limit] + " [...]"


def _redactor(app_env: dict[str, str]) -> Callable[[str], str]:
    """Replace the values of ``[app.env]`` (secrets, often) with their names in any text.

    Assertion messages and exchanges may quote them (pytest shows a fixture's value, an app
    may echo its key); no report, interviewer's or candidate's, needs the value itself.
    """
    secrets = sorted(
        ((v, k) for k, v in app_env.items() if len(v) >= MIN_REDACTED_CHARS),
        key=lambda pair: -len(pair[0]),
    )

    def redact(text: str) -> str:
        for value, name in secrets:
            text = text.replace(value, f"<app.env {name}>")
        return text

    return redact


def _test_row(
    row: dict[str, Any], challenge: Challenge, redact: Callable[[str], str] = str
) -> TestResult:
    """Check one raw row; text from HTTP responses is capped and redacted, numbers made finite."""
    outcome = row["outcome"]
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    weight = float(row["weight"])
    duration = float(row.get("duration_s") or 0.0)
    if not math.isfinite(weight) or weight <= 0 or not math.isfinite(duration):
        raise ValueError(f"bad weight or duration in {row.get('id')!r}")
    raw_exchanges = row.get("exchanges")
    exchanges = tuple(
        {str(k): _cap_exchange(v, redact) for k, v in list(e.items())[:20]}
        for e in (raw_exchanges if isinstance(raw_exchanges, list) else [])[:MAX_EXCHANGES]
        if isinstance(e, dict)
    )
    dropped = row.get("exchanges_dropped")
    requirements = row.get("requirements")
    hint = row.get("hint")
    return TestResult(
        id=_cap(row["id"], 500),
        description=_cap(row.get("description") or row["id"], 500),
        skill=_cap(row.get("skill") or challenge.skills[0], 100),
        weight=weight,
        outcome=outcome,
        message=redact(_cap(row.get("message"), MESSAGE_CAP)),
        duration_s=round(duration, 4),
        visible=bool(row.get("visible")),
        exchanges=exchanges,
        exchanges_dropped=dropped if isinstance(dropped, int) and dropped >= 0 else 0,
        requirements=tuple(
            str(r)[:10] for r in (requirements if isinstance(requirements, list) else [])[:50]
        ),
        hint=redact(_cap(hint, HINT_CAP)) if isinstance(hint, str) else "",
    )


def _cap_exchange(value: Any, redact: Callable[[str], str]) -> Any:
    if isinstance(value, dict):
        return {str(k)[:200]: redact(_cap(v, 1000)) for k, v in list(value.items())[:50]}
    if isinstance(value, int | float):  # bool included: `failing`
        return value
    return redact(_cap(value, EXCHANGE_FIELD_CAP))
