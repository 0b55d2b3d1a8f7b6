"""The jobs workers run. Each is safe to deliver twice: what it records is keyed by its id.

A worker that cannot grade (its Docker engine is down) rejects the task back to the queue and
stops consuming, so that another worker grades it; nothing is recorded for the run.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from celery import Task
from celery.exceptions import Reject
from sqlalchemy.exc import OperationalError

from grader.errors import GraderError
from grader.web.db import db
from grader.web.jobs import Outcome, WorkerUnfit, execute_run, execute_validation
from grader.workers.app import celery_app
from grader.workers.bundles import BlobFiles
from grader.workers.runtime import current

log = logging.getLogger(__name__)
DATABASE_RETRY_S = 10.0  # the database may be back by then; the task is never dropped
REJECT_PAUSE_S = 1.0  # lets this worker's consumer be cancelled before the task returns


def _refuse(task: Task, why: str) -> Reject:
    """Stop taking work on this worker and give the task back for another one."""
    log.warning("refusing %s[%s]: %s", task.name, task.request.id, why)
    current().pause()
    time.sleep(REJECT_PAUSE_S)
    return Reject(why, requeue=True)


def _execute(task: Task, execute: Callable[[str], Outcome], job_id: str) -> None:
    """Run one of the web app's jobs on this worker, as its task's delivery: refuse it when
    this worker cannot grade, retry while the database is away, and look again later while
    another worker holds a live claim on it."""
    runtime = current()
    if not runtime.engine_ok():
        raise _refuse(task, "the Docker engine is unavailable")
    with runtime.app.app_context():
        try:
            outcome = execute(job_id)
        except WorkerUnfit as exc:
            raise _refuse(task, str(exc)) from exc
        except OperationalError as exc:
            log.warning("database unavailable for %s: %s", job_id, exc)
            raise task.retry(countdown=DATABASE_RETRY_S, max_retries=None) from exc
        finally:
            db.session.remove()
    if outcome is Outcome.BUSY:  # another worker holds a live claim: look again after it
        raise task.retry(countdown=runtime.settings.run_lease_s, max_retries=None)


@celery_app.task(name="grader.grade_run", bind=True, acks_late=True, reject_on_worker_lost=True)
def grade_run(self: Task, run_id: str) -> None:
    """Grade the web app's run ``run_id``; record its one final result in the database."""
    _execute(self, execute_run, run_id)


@celery_app.task(
    name="grader.validate_version", bind=True, acks_late=True, reject_on_worker_lost=True
)
def validate_version(self: Task, version_id: str) -> None:
    """Validate the uploaded challenge version ``version_id``; record each check."""
    _execute(self, execute_validation, version_id)


@celery_app.task(
    name="grader.grade_item",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=False,
)
def grade_item(self: Task, bundle_sha256: str, name: str, data_b64: str) -> str:
    """Grade one batch item: the submission ``name`` (its bytes in the task) against the
    challenge bundle stored in Redis; return the result document."""
    import base64

    from grader.challenges import load_challenge
    from grader.pipeline import grade_path
    from grader.workers.batch import blob_key

    runtime = current()
    if not runtime.engine_ok():
        raise _refuse(self, "the Docker engine is unavailable")

    def fetch(sha: str) -> bytes:
        data = self.app.backend.client.get(blob_key(sha))
        if data is None:
            raise GraderError(f"challenge bundle {sha[:12]} is not in Redis: run the batch again")
        return bytes(data)

    files = runtime.web.files
    assert isinstance(files, BlobFiles)
    challenge = load_challenge(files.cached(bundle_sha256, fetch))
    with tempfile.TemporaryDirectory(dir=files.cache_dir / "tmp", prefix="item-") as tmp:
        path = Path(tmp) / Path(name).name
        path.write_bytes(base64.b64decode(data_b64))
        result = grade_path(
            challenge=challenge, path=path, sandbox=runtime.web.sandbox.get(),
            settings=runtime.settings,
        )  # fmt: skip
    if result.status == "sandbox_error" and not runtime.engine_ok():
        raise _refuse(self, f"the Docker engine went away while grading: {result.reason}")
    return result.to_json()


def task_names() -> dict[str, Any]:
    """The registered tasks, by name (for --check and tests)."""
    return {name: task for name, task in celery_app.tasks.items() if name.startswith("grader.")}
