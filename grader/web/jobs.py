"""Grading off the request thread, behind one interface: ``GradingQueue``.

Views only ever call ``queue.submit(run_id)`` (and ``submit_validation(version_id)`` for a
challenge upload) after the submission is stored and its run row committed. The work itself is
two plain functions, ``execute_run`` and ``execute_validation``, which need only an application
context: they load what they need from the database and ``data_dir``, and record the outcome
there. Each claims its row (queued -> running) in one conditional UPDATE, so a job delivered
twice runs once.

``LocalWorkerPool`` is the embedded default: threads in the web process (gradings wait on
containers, not on the CPU), bounded by the cores. Because it is the only executor, whatever is
``queued`` or ``running`` when it starts was left by a previous process, and it re-queues it.

Multi-machine deployments (Celery with a Redis broker) replace the pool without touching the
views; a sketch::

    # grader_celery.py, imported by the web process and by every `celery worker`
    from celery import Celery, Task
    from grader.web import create_app
    from grader.web.jobs import execute_run, execute_validation

    flask_app = create_app({"GRADING_QUEUE_FACTORY": lambda app: CeleryQueue()})
    celery = Celery("grader", broker="redis://...", backend=None)

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with flask_app.app_context():
                return self.run(*args, **kwargs)

    @celery.task(base=FlaskTask, acks_late=True, reject_on_worker_lost=True)
    def grade_run(run_id):
        execute_run(run_id)

    @celery.task(base=FlaskTask, acks_late=True, reject_on_worker_lost=True)
    def validate_version(version_id):
        execute_validation(version_id)

    class CeleryQueue:
        def submit(self, run_id): grade_run.delay(run_id)
        def submit_validation(self, version_id): validate_version.delay(version_id)
        def start(self): pass   # the broker keeps the queue across restarts
        def stop(self): pass

Point ``database_url`` at PostgreSQL and ``data_dir`` at storage every worker mounts; each
worker host needs a Docker engine and builds the sandbox image on its first job. ``create_app``
only configures, so a worker creates no table and starts nothing: the web process's
``grader serve`` (or ``grader db upgrade``) brings the database to the newest schema.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import asdict, replace
from typing import TYPE_CHECKING, Any, Protocol, cast

from flask import Flask, current_app
from sqlalchemy import update

from grader.challenges import load_challenge
from grader.config import Settings
from grader.errors import GraderError
from grader.pipeline import grade_path, open_sandbox, write_outputs
from grader.sandbox import Sandbox
from grader.web.db import (
    DONE,
    FAILED,
    PASSED,
    PENDING_STATES,
    QUEUED,
    RUNNING,
    ChallengeVersion,
    Run,
    db,
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


class WebState:
    """What the app shares with its workers: settings, sandbox, queue."""

    def __init__(self, settings: Settings, sandbox: SandboxProvider) -> None:
        self.settings = settings
        self.sandbox = sandbox
        self.queue: GradingQueue | None = None


def state() -> WebState:
    """The current app's WebState."""
    return current_app.extensions[EXTENSION]


def default_sandbox_factory(settings: Settings) -> Callable[[], Sandbox]:
    """The Docker sandbox every candidate run uses, a spare per worker started ahead of jobs:
    a submission that reaches an idle server skips the container's start-up."""
    spares = settings.worker_count(settings.web_workers)
    return lambda: open_sandbox(settings, spares=spares)


def _claim(model: type[Run] | type[ChallengeVersion], column: str, public_id: str) -> bool:
    """Move a row from queued to running; False if another worker got it or it is finished."""
    values: dict[str, Any] = {column: RUNNING}
    if model is Run:
        values["started_at"] = utcnow()
    result = db.session.execute(
        update(model)
        .where(model.public_id == public_id, getattr(model, column) == QUEUED)
        .values(**values)
    )
    db.session.commit()
    return cast("CursorResult[Any]", result).rowcount == 1  # an UPDATE's result has a rowcount


def execute_run(run_id: str) -> None:
    """Grade one run and record its outcome; needs an app context.

    Never deletes the stored submission; any failure marks the run ``failed`` with the reason.
    """
    if not _claim(Run, "state", run_id):
        return
    run = db.session.execute(db.select(Run).filter_by(public_id=run_id)).scalar_one()
    web = state()
    settings = web.settings
    data_dir = settings.data_dir
    try:
        challenge = load_challenge(data_dir / run.version.root)
        submission = run.submission
        result = grade_path(
            challenge=challenge,
            path=data_dir / submission.stored_path,
            sandbox=web.sandbox.get(),
            settings=settings,
        )
        result = replace(result, candidate=submission.invite.candidate_name)
        out = data_dir / "runs" / run.public_id
        write_outputs(result, out)
    except GraderError as exc:
        _fail(run, str(exc))
        return
    except Exception as exc:  # a bug must not leave the run 'running' forever
        log.exception("grading run %s failed", run_id)
        _fail(run, f"the grader failed ({type(exc).__name__}); an interviewer can re-grade it")
        return
    run.state = DONE
    run.result_status = result.status
    run.score = result.score
    run.reason = result.reason
    run.result_dir = f"runs/{run.public_id}"
    run.finished_at = utcnow()
    db.session.commit()


def _fail(run: Run, reason: str) -> None:
    db.session.rollback()
    run.state = FAILED
    run.reason = reason
    run.finished_at = utcnow()
    db.session.commit()


def execute_validation(version_id: str) -> None:
    """Validate one challenge version and record each check; needs an app context."""
    if not _claim(ChallengeVersion, "validation_state", version_id):
        return
    version = db.session.execute(
        db.select(ChallengeVersion).filter_by(public_id=version_id)
    ).scalar_one()
    web = state()
    from grader.validation import validate_challenge

    checks: list[dict[str, Any]]
    try:
        challenge = load_challenge(web.settings.data_dir / version.root)
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
    version.validation_state = outcome
    version.validation_reason = reason
    version.checks_json = json.dumps(checks)
    version.validated_at = utcnow()
    db.session.commit()


def recover_pending(queue_: GradingQueue) -> int:
    """Re-queue every run and validation left queued or running; return how many.

    Only for an executor that owns all the work (the local pool): a shared broker keeps its own.
    """
    count = 0
    db.session.execute(update(Run).where(Run.state == RUNNING).values(state=QUEUED))
    db.session.execute(
        update(ChallengeVersion)
        .where(ChallengeVersion.validation_state == RUNNING)
        .values(validation_state=QUEUED)
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
        run_job: Callable[[str], None] = execute_run,
        validation_job: Callable[[str], None] = execute_validation,
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
