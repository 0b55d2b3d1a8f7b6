"""The web app's ``GradingQueue`` when ``GRADER_BROKER_URL`` is set: jobs go to Celery workers.

Before a job is sent, what a worker needs is stored in the database (the submission's bytes,
the challenge version's folder, as blobs): workers share no folder with the web app.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import redis
from flask import Flask

from grader.web.db import QUEUED, ChallengeVersion, Run, db
from grader.web.jobs import EXTENSION
from grader.workers.app import QUEUE, configure
from grader.workers.batch import BROKER_DOWN
from grader.workers.bundles import ensure_run_bundles, ensure_version_bundle

log = logging.getLogger(__name__)
INSPECT_TIMEOUT_S = 0.5  # how long the dashboard waits for workers to answer
# Publishing waits this long for a broker that is restarting before the view gives up.
PUBLISH_RETRY = {"max_retries": 5, "interval_start": 0.5, "interval_step": 1.0, "interval_max": 3}


@dataclass(frozen=True)
class WorkerStatus:
    """A connected worker as the dashboard shows it."""

    name: str
    running: int  # gradings it is doing now
    slots: int  # gradings it can do at once


@dataclass(frozen=True)
class QueueOverview:
    """Connected workers and the tasks waiting in the broker, or why they are unknown."""

    workers: tuple[WorkerStatus, ...]
    waiting: int | None
    problem: str = ""


class CeleryQueue:
    """Send runs and validations to the workers; the broker keeps the queue across restarts."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.settings = app.extensions[EXTENSION].settings
        self.app_celery = configure(self.settings)

    def submit(self, run_id: str) -> None:
        """Store the run's files as blobs, then send it (needs an app context).

        A broker that stays down is logged, not raised: the run stays queued in the database
        and is sent again when the web app next starts.
        """
        from grader.workers.tasks import grade_run

        run = db.session.execute(db.select(Run).filter_by(public_id=run_id)).scalar_one()
        ensure_run_bundles(run, self.settings.data_dir)
        try:
            grade_run.apply_async((run_id,), retry=True, retry_policy=PUBLISH_RETRY)
        except BROKER_DOWN:
            log.exception("run %s stays queued: the broker is unavailable", run_id)

    def submit_validation(self, version_id: str) -> None:
        """Store the version's folder as a blob, then send its validation."""
        from grader.workers.tasks import validate_version

        version = db.session.execute(
            db.select(ChallengeVersion).filter_by(public_id=version_id)
        ).scalar_one()
        ensure_version_bundle(version, self.settings.data_dir)
        try:
            validate_version.apply_async((version_id,), retry=True, retry_policy=PUBLISH_RETRY)
        except BROKER_DOWN:
            log.exception("validation %s stays queued: the broker is unavailable", version_id)

    def overview(self) -> QueueOverview:
        """Ask the workers (Celery's inspect API) and the broker (queue length); never raises."""
        try:
            inspect = self.app_celery.control.inspect(timeout=INSPECT_TIMEOUT_S)
            stats = inspect.stats() or {}
            active = inspect.active() or {}
            with redis.Redis.from_url(self.settings.broker_url, socket_timeout=2) as client:
                waiting = int(client.llen(QUEUE))
        except Exception as exc:  # the broker is down: say so on the page
            return QueueOverview((), None, f"broker unavailable ({type(exc).__name__})")
        workers = tuple(
            WorkerStatus(
                name=name,
                running=len(active.get(name, [])),
                slots=int(info.get("pool", {}).get("max-concurrency", 0) or 0),
            )
            for name, info in sorted(stats.items())
        )
        return QueueOverview(workers, waiting)

    def start(self) -> None:
        """Send again what the database says is queued: a run committed while the broker was
        down, or just before this process died, would wait forever. A run whose task is also
        still in Redis is graded once all the same (the claim in grader.web.jobs)."""
        with self.app.app_context():
            runs = db.session.scalars(
                db.select(Run.public_id).where(Run.state == QUEUED).order_by(Run.id)
            ).all()
            versions = db.session.scalars(
                db.select(ChallengeVersion.public_id).where(
                    ChallengeVersion.validation_state == QUEUED
                )
            ).all()
            for run_id in runs:
                self.submit(run_id)
            for version_id in versions:
                self.submit_validation(version_id)
        if runs or versions:
            log.info("sent %d queued job(s) to the workers again", len(runs) + len(versions))

    def stop(self) -> None:
        """Nothing to stop in the web process."""
