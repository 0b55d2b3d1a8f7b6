"""Grading off the request thread, behind one interface: ``GradingQueue``.

Views only ever call ``queue.submit(run_id)`` (and ``submit_validation(version_id)`` for a
challenge upload) after the submission is stored and its run row committed. The work itself is
two plain functions, ``execute_run`` and ``execute_validation``, which need only an application
context: they load what they need from the database and ``RunFiles``, and record the outcome
there. Each claims its row (queued -> running) in one conditional UPDATE, so a job delivered
twice runs once.

``LocalWorkerPool`` is the embedded default: threads in the web process (gradings wait on
containers, not on the CPU), bounded by the cores. Because it is the only executor, whatever is
``queued`` or ``running`` when it starts was left by a previous process, and it re-queues it.

Multi-machine deployments replace the pool without touching the views: with
``GRADER_BROKER_URL`` set, ``grader.workers.queue.CeleryQueue`` sends each job to Celery workers
(``grader worker``) on hosts with their own Docker engine. They reach the submission's bytes and
the challenge version's files through the database (``RunFiles``), never a shared folder, and
write the result document back to the run's row.

A run's claim (a validation's too) carries a fencing token and a lease its worker renews while
it works: a delivery that finds the job ``running`` with an expired lease (its worker died)
claims it again, and only the holder of the current token can record the outcome, so a run has
one final result however often its task is delivered.
"""

from __future__ import annotations

import enum
import json
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from flask import Flask, current_app
from sqlalchemy import or_, update
from sqlalchemy.engine import Engine

from grader.challenges import Challenge, load_challenge
from grader.config import Settings
from grader.errors import GraderError, SandboxUnavailable
from grader.pipeline import grade_paths, open_sandbox, write_outputs
from grader.results import Result
from grader.sandbox import Sandbox
from grader.sandbox.supervisor import SLOTS_MAX
from grader.web import webhooks
from grader.web.db import (
    DONE,
    FAILED,
    PASSED,
    PENDING_STATES,
    QUEUED,
    RUNNING,
    ChallengeVersion,
    Run,
    Submission,
    db,
    new_public_id,
    utcnow,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import CursorResult

# How often the pool removes orphaned containers (open_sandbox also reaps at start-up).
REAP_INTERVAL_S = 300.0
log = logging.getLogger(__name__)

EXTENSION = "grader"  # app.extensions[EXTENSION] holds the WebState


class GradingQueue(Protocol):
    """Where views hand work; implementations decide where and when it runs."""

    def submit(self, run_id: str) -> None:
        """Grade the stored run ``run_id`` (its row is committed, its state ``queued``)."""

    def submit_validation(self, version_id: str) -> None:
        """Validate the challenge version ``version_id`` (state ``queued``)."""

    def start(self) -> None:
        """Begin taking work (and recover what a previous process left, if this owns it)."""

    def stop(self) -> None:
        """Stop taking work; let running jobs finish."""


class SandboxProvider:
    """Open the sandbox once per process, on first use (it may build the image)."""

    def __init__(self, factory: Callable[[], Sandbox]) -> None:
        self._factory = factory
        self._lock = threading.Lock()
        self._sandbox: Sandbox | None = None

    def opened(self) -> Sandbox | None:
        """The sandbox if a job already opened it (never opens one itself)."""
        return self._sandbox

    def get(self) -> Sandbox:
        with self._lock:
            if self._sandbox is None:
                self._sandbox = self._factory()
            return self._sandbox


class RunFiles(Protocol):
    """Where a job finds a challenge version's folder and a submission's bytes."""

    def challenge_root(self, version: ChallengeVersion) -> Path:
        """The version's challenge folder (read only)."""

    @contextmanager
    def submission_path(self, submission: Submission) -> Iterator[Path]:
        """What to grade of ``submission``: a file or folder that lives until the block ends."""
        yield Path()


class DataDirFiles:
    """The web process's own ``data_dir``: the embedded default."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    def challenge_root(self, version: ChallengeVersion) -> Path:
        return self.data_dir / version.root

    @contextmanager
    def submission_path(self, submission: Submission) -> Iterator[Path]:
        yield self.data_dir / submission.stored_path


class WebState:
    """What the app shares with its workers: settings, sandbox, queue, where files are."""

    def __init__(self, settings: Settings, sandbox: SandboxProvider) -> None:
        self.settings = settings
        self.sandbox = sandbox
        self.queue: GradingQueue | None = None
        self.files: RunFiles = DataDirFiles(settings.data_dir)
        # Write result.json and the reports into data_dir/runs/<id>/ too (the web process
        # does; a worker on another machine has no data_dir of the web app's).
        self.write_result_files = True
        self.worker_name = "web"
        # A worker's check of its engine: a sandbox_error while it fails is not recorded.
        self.sandbox_health: Callable[[], bool] | None = None


def state() -> WebState:
    """The current app's WebState."""
    return current_app.extensions[EXTENSION]


def default_sandbox_factory(settings: Settings) -> Callable[[], Sandbox]:
    """The Docker sandbox every candidate run uses, a spare per worker started ahead of jobs:
    a submission that reaches an idle server skips the container's start-up."""
    spares = settings.worker_count(settings.web_workers)
    return lambda: open_sandbox(settings, spares=spares)


class Outcome(enum.Enum):
    """What one delivery of a run did."""

    RECORDED = "recorded"  # graded (or failed) and recorded by this delivery
    FINISHED = "finished"  # already finished, or a newer claim won: nothing done
    BUSY = "busy"  # another worker holds a live claim: deliver again after its lease


class WorkerUnfit(GraderError):
    """Raise when this worker cannot grade at all (its Docker engine is down): the run is
    released, unrecorded, for another worker."""


Claimable = type[Run] | type[ChallengeVersion]


def _state(model: Claimable) -> Any:
    """The column holding a job's queue state: a run's, or a version's validation."""
    return Run.state if model is Run else ChallengeVersion.validation_state


def _claim(model: Claimable, public_id: str, lease_s: float, worker: str) -> str | None:
    """Claim a queued job, or a running one whose lease expired; return the fencing token."""
    now = utcnow()
    token = new_public_id()
    values: dict[str, Any] = {
        _state(model).key: RUNNING,
        "claim_token": token,
        "lease_expires_at": now + timedelta(seconds=lease_s),
    }
    if model is Run:
        values.update(started_at=now, worker=worker[:200], attempts=Run.attempts + 1)
    result = db.session.execute(
        update(model)
        .where(
            model.public_id == public_id,
            or_(
                _state(model) == QUEUED,
                (_state(model) == RUNNING)
                & or_(model.lease_expires_at.is_(None), model.lease_expires_at < now),
            ),
        )
        .values(**values)
    )
    db.session.commit()
    return token if cast("CursorResult[Any]", result).rowcount == 1 else None


def _claim_run(run_id: str, lease_s: float, worker: str) -> str | None:
    """Claim a queued run, or a running one whose lease expired; return the fencing token."""
    return _claim(Run, run_id, lease_s, worker)


class _Lease:
    """Renew a job's lease every third of it, on its own connection, until stopped."""

    def __init__(
        self, engine: Engine, model: Claimable, public_id: str, token: str, lease_s: float
    ) -> None:
        self._engine, self._model, self._id = engine, model, public_id
        self._token, self._lease_s = token, lease_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._renew, name=f"lease-{public_id}", daemon=True)

    def __enter__(self) -> _Lease:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _renew(self) -> None:
        model = self._model
        while not self._stop.wait(self._lease_s / 3):
            try:
                with self._engine.begin() as connection:
                    connection.execute(
                        update(model)
                        .where(model.public_id == self._id, model.claim_token == self._token)
                        .values(lease_expires_at=utcnow() + timedelta(seconds=self._lease_s))
                    )
            except Exception:  # the database may be back before the lease runs out
                log.warning("could not renew the lease of %s", self._id, exc_info=True)


def _finish(model: Claimable, public_id: str, token: str, values: dict[str, Any]) -> bool:
    """Record a job's final outcome if ``token`` still holds the claim; False if it lost it."""
    db.session.rollback()
    result = db.session.execute(
        update(model)
        .where(
            model.public_id == public_id,
            model.claim_token == token,
            _state(model) == RUNNING,
        )
        .values(lease_expires_at=None, **values)
    )
    db.session.commit()
    recorded = cast("CursorResult[Any]", result).rowcount == 1
    if not recorded:
        log.warning("%s was claimed again while this worker ran it: outcome dropped", public_id)
    return recorded


def _finish_run(run_id: str, token: str, values: dict[str, Any]) -> bool:
    """Record a run's final outcome if ``token`` still holds the claim; False if it lost it.
    Once recorded (committed), the webhooks' run.finished event is queued, for their thread."""
    recorded = _finish(Run, run_id, token, {"finished_at": utcnow(), **values})
    if recorded:
        webhooks.run_finished(run_id)
    return recorded


def release_run(run_id: str, token: str) -> None:
    """Give a claimed run back (queued, unclaimed) for another worker; nothing is recorded."""
    db.session.rollback()
    db.session.execute(
        update(Run)
        .where(Run.public_id == run_id, Run.claim_token == token, Run.state == RUNNING)
        .values(state=QUEUED, claim_token="", lease_expires_at=None)
    )
    db.session.commit()


def release_abandoned(model: Claimable, grace_s: float) -> list[str]:
    """Give back the jobs whose worker stopped renewing its lease ``grace_s`` ago (it died);
    return their ids, each released by this call only, for the caller to deliver again."""
    cutoff = utcnow() - timedelta(seconds=grace_s)
    stale = (_state(model) == RUNNING) & (model.lease_expires_at < cutoff)
    released = []
    for public_id in db.session.scalars(db.select(model.public_id).where(stale)).all():
        result = db.session.execute(
            update(model)
            .where(model.public_id == public_id, stale)
            .values({_state(model).key: QUEUED, "claim_token": "", "lease_expires_at": None})
        )
        db.session.commit()
        if cast("CursorResult[Any]", result).rowcount == 1:
            released.append(public_id)
    return released


def release_abandoned_runs(grace_s: float) -> list[str]:
    """``release_abandoned`` for runs."""
    return release_abandoned(Run, grace_s)


def is_busy(model: Claimable, public_id: str) -> bool:
    """Whether the job ``public_id`` is running under another worker's live lease."""
    row = db.session.execute(db.select(model).filter_by(public_id=public_id)).scalar_one_or_none()
    return bool(
        row is not None
        and getattr(row, _state(model).key) == RUNNING
        and row.lease_expires_at is not None
        and row.lease_expires_at >= utcnow()
    )


def execute_run(run_id: str) -> Outcome:
    """Grade one run and record its outcome once, however often it is delivered; needs an app
    context.

    Other runs of the same candidate still queued are claimed and graded with it in one
    sandbox (an assessment's re-grade, a candidate who submitted several challenges): their
    own deliveries then find them done. Never deletes a stored submission; any failure marks
    each run ``failed`` with the reason. Raises WorkerUnfit (the runs released, nothing
    recorded) when this process's sandbox cannot be opened and ``state().files`` says a worker
    on another machine can take them.
    """
    web = state()
    settings = web.settings
    token = _claim_run(run_id, settings.run_lease_s, web.worker_name)
    if token is None:
        return Outcome.BUSY if is_busy(Run, run_id) else Outcome.FINISHED
    run = db.session.execute(db.select(Run).filter_by(public_id=run_id)).scalar_one()
    claimed = [(run, token), *_claim_companions(run, settings.run_lease_s, web.worker_name)]
    with ExitStack() as leases:
        for each, each_token in claimed:
            leases.enter_context(
                _Lease(db.engine, Run, each.public_id, each_token, settings.run_lease_s)
            )
        try:
            results = _grade_runs([each for each, _ in claimed], web)
        except WorkerUnfit:
            for each, each_token in claimed:
                release_run(each.public_id, each_token)
            raise
        except GraderError as exc:  # the sandbox itself: every run's outcome
            log.warning("run %s failed: %s", run_id, exc)
            _fail_runs(claimed, str(exc))
            return Outcome.RECORDED
        except Exception:  # a bug must not leave the runs 'running' forever
            log.exception("grading run %s failed", run_id)
            _fail_runs(
                claimed, "the grader failed (internal error); an interviewer can re-grade it"
            )
            return Outcome.RECORDED
    recorded = []
    for (each, each_token), result in zip(claimed, results, strict=True):
        if isinstance(result, GraderError):
            log.warning("run %s failed: %s", each.public_id, result)
            values = {"state": FAILED, "reason": str(result)}
        else:
            values = _done_values(each, result, web)
        recorded.append(_finish_run(each.public_id, each_token, values))
    return Outcome.RECORDED if recorded[0] else Outcome.FINISHED


def _claim_companions(run: Run, lease_s: float, worker: str) -> list[tuple[Run, str]]:
    """Claim the other queued runs of ``run``'s candidate, up to a sandbox's slots; a run
    another worker claims first stays its."""
    others = db.session.scalars(
        db.select(Run)
        .join(Submission)
        .where(
            Submission.invite_id == run.submission.invite_id,
            Run.state == QUEUED,
            Run.id != run.id,
        )
        .order_by(Run.id)
        .limit(SLOTS_MAX - 1)
    ).all()
    claimed = []
    for other in others:
        token = _claim_run(other.public_id, lease_s, worker)
        if token is not None:
            claimed.append((other, token))
    return claimed


def _fail_runs(claimed: list[tuple[Run, str]], reason: str) -> None:
    for each, token in claimed:
        _finish_run(each.public_id, token, {"state": FAILED, "reason": reason})


def _done_values(run: Run, result: Result, web: WebState) -> dict[str, Any]:
    values: dict[str, Any] = {
        "state": DONE,
        "result_status": result.status,
        "score": result.score,
        "reason": result.reason,
        "result_json": result.to_json(),
    }
    if web.write_result_files:
        values["result_dir"] = f"runs/{run.public_id}"
    return values


def _grade_runs(runs: list[Run], web: WebState) -> list[Result | GraderError]:
    """Grade ``runs`` (one candidate's) in one sandbox, side by side up to the pool's size;
    write the files where configured. A run whose challenge or submission cannot be read
    gets that error as its outcome; the others are graded."""
    settings = web.settings
    candidate = runs[0].submission.invite.candidate_name
    try:
        sandbox = web.sandbox.get()
    except SandboxUnavailable as exc:
        if not web.write_result_files:  # a remote worker: another one may have an engine
            raise WorkerUnfit(str(exc)) from exc
        raise
    errors: dict[int, GraderError] = {}
    items: list[tuple[int, Challenge, Path]] = []
    with ExitStack() as stack:
        for index, run in enumerate(runs):
            try:
                challenge = load_challenge(web.files.challenge_root(run.version))
                path = stack.enter_context(web.files.submission_path(run.submission))
            except GraderError as exc:
                errors[index] = exc
                continue
            items.append((index, challenge, path))
        graded = grade_paths(
            [(challenge, path) for _, challenge, path in items],
            sandbox=sandbox,
            settings=settings,
            concurrency=settings.worker_count(settings.web_workers),
        )
    broken = [result for result in graded if result.status == "sandbox_error"]
    if broken and web.sandbox_health and not web.sandbox_health():
        raise WorkerUnfit(f"the Docker engine went away while grading: {broken[0].reason}")
    results = dict(zip((index for index, _, _ in items), graded, strict=True))
    outcomes: list[Result | GraderError] = []
    for index, run in enumerate(runs):
        if index in errors:
            outcomes.append(errors[index])
            continue
        result = replace(results[index], candidate=candidate)
        if web.write_result_files:
            write_outputs(result, settings.data_dir / "runs" / run.public_id)
        outcomes.append(result)
    return outcomes


def execute_validation(version_id: str) -> Outcome:
    """Validate one challenge version and record each check once, however often it is
    delivered (the claim of ``execute_run``); needs an app context."""
    web = state()
    lease_s = web.settings.run_lease_s
    token = _claim(ChallengeVersion, version_id, lease_s, web.worker_name)
    if token is None:
        return Outcome.BUSY if is_busy(ChallengeVersion, version_id) else Outcome.FINISHED
    version = db.session.execute(
        db.select(ChallengeVersion).filter_by(public_id=version_id)
    ).scalar_one()
    with _Lease(db.engine, ChallengeVersion, version_id, token, lease_s):
        values = _validate(version, web)
    recorded = _finish(ChallengeVersion, version_id, token, values)
    return Outcome.RECORDED if recorded else Outcome.FINISHED


def _validate(version: ChallengeVersion, web: WebState) -> dict[str, Any]:
    """Validate ``version``; return the columns that record the outcome."""
    from grader.validation import validate_challenge

    version_id = version.public_id
    checks: list[dict[str, Any]]
    try:
        challenge = load_challenge(web.files.challenge_root(version))
        report = validate_challenge(
            challenge,
            sandbox=web.sandbox.get(),
            settings=web.settings,
            workers=web.settings.worker_count(web.settings.web_workers),
            mutants=web.settings.mutants_max or None,
        )
    except GraderError as exc:
        outcome, reason, checks = FAILED, str(exc), []
    except Exception as exc:
        log.exception("validating %s failed", version_id)
        outcome, reason, checks = FAILED, f"validation broke ({type(exc).__name__})", []
    else:
        checks = [asdict(check) for check in report.checks]
        failed = [c.name for c in report.checks if not c.ok and not c.skipped]
        outcome = FAILED if failed else PASSED
        reason = f"failed: {', '.join(failed)}" if failed else "every check passed"
    return {
        "validation_state": outcome,
        "validation_reason": reason,
        "checks_json": json.dumps(checks),
        "validated_at": utcnow(),
    }


def recover_pending(queue_: GradingQueue) -> int:
    """Re-queue every run and validation left queued or running; return how many.

    Only for an executor that owns all the work (the local pool): a shared broker keeps its own.
    """
    count = 0
    db.session.execute(
        update(Run)
        .where(Run.state == RUNNING)
        .values(state=QUEUED, claim_token="", lease_expires_at=None)
    )
    db.session.execute(
        update(ChallengeVersion)
        .where(ChallengeVersion.validation_state == RUNNING)
        .values(validation_state=QUEUED, claim_token="", lease_expires_at=None)
    )
    db.session.commit()
    for run_id in db.session.scalars(
        db.select(Run.public_id).where(Run.state.in_(PENDING_STATES)).order_by(Run.id)
    ):
        queue_.submit(run_id)
        count += 1
    for version_id in db.session.scalars(
        db.select(ChallengeVersion.public_id)
        .where(ChallengeVersion.validation_state.in_(PENDING_STATES))
        .order_by(ChallengeVersion.id)
    ):
        queue_.submit_validation(version_id)
        count += 1
    return count


class LocalWorkerPool:
    """Worker threads in this process; the embedded default ``GradingQueue``."""

    def __init__(
        self,
        app: Flask,
        *,
        workers: int = 0,
        run_job: Callable[[str], object] = execute_run,
        validation_job: Callable[[str], object] = execute_validation,
    ) -> None:
        settings: Settings = app.extensions[EXTENSION].settings
        self.app = app
        self.workers = settings.worker_count(workers or settings.web_workers)
        self._jobs = {"run": run_job, "validation": validation_job}
        self._queue: queue.Queue[tuple[str, str] | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._sandbox = app.extensions[EXTENSION].sandbox
        self._stopping = threading.Event()

    def submit(self, run_id: str) -> None:
        """Queue a grading; a free worker takes it in submission order."""
        self._queue.put(("run", run_id))

    def submit_validation(self, version_id: str) -> None:
        """Queue a challenge validation (it grades several times, in this worker)."""
        self._queue.put(("validation", version_id))

    def start(self) -> None:
        """Re-queue what a previous process left unfinished, then start the workers."""
        if self._threads:
            return
        with self.app.app_context():
            recovered = recover_pending(self)
        if recovered:
            log.info("re-queued %d unfinished job(s)", recovered)
        self._stopping.clear()
        for n in range(self.workers):
            thread = threading.Thread(target=self._work, name=f"grader-worker-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)
        self._reaper = threading.Thread(target=self._reap, name="grader-reaper", daemon=True)
        self._reaper.start()

    def _reap(self) -> None:
        """Every REAP_INTERVAL_S, remove containers a crashed grader (any host process) left."""
        while not self._stopping.wait(REAP_INTERVAL_S):
            sandbox = self._sandbox.opened()
            if sandbox is not None and (removed := sandbox.reap()):
                log.info("reaped %d orphaned container(s)", removed)

    def stop(self, timeout: float | None = 10.0) -> None:
        """Let workers finish their jobs (up to ``timeout`` s each); the rest is recovered later."""
        self._stopping.set()
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []
        if (sandbox := self._sandbox.opened()) is not None:
            sandbox.close()

    def join(self) -> None:
        """Wait until every submitted job has finished (tests and shutdown)."""
        self._queue.join()

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                kind, job_id = item
                with self.app.app_context():
                    try:
                        self._jobs[kind](job_id)
                    except Exception:
                        log.exception("%s job %s failed", kind, job_id)
            finally:
                self._queue.task_done()
