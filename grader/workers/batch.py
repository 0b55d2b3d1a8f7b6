"""`grader batch --broker URL`: a cohort graded by every worker that is up.

Each submission travels in its task (bytes capped by intake); each challenge folder once, as a
blob in Redis under its SHA-256, which workers unpack into their cache. A result comes back
through Redis under the task's id, which is the batch's id and the item's number: a task
delivered twice writes the same result to the same key. The batch waits out a broker restart.
"""

from __future__ import annotations

import base64
import logging
import secrets
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import kombu.exceptions
import redis

from grader.challenges import Challenge
from grader.config import Settings
from grader.errors import GraderError, SubmissionRejected
from grader.grading import unrun_result
from grader.results import Result, load_result
from grader.workers.app import RESULT_TTL_S, configure
from grader.workers.bundles import pack_folder, sha256_hex, submission_bundle

T = TypeVar("T")
log = logging.getLogger(__name__)
BLOB_KEY = "grader:bundle:{}"  # a challenge folder's tar.gz in Redis, by its SHA-256
POLL_S = 0.1  # a result is noticed this soon after it is stored
# Every item waits in its own thread: they wait on Redis, not on the CPU.
WAITERS = 64


def blob_key(sha: str) -> str:
    """The Redis key of the bundle ``sha``."""
    return BLOB_KEY.format(sha)


# What a broker that is down or restarting raises, through redis-py, kombu or the OS.
BROKER_DOWN = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    kombu.exceptions.OperationalError,
    OSError,
)


def _retrying(action: Callable[[], T], what: str) -> T:
    """Run ``action``, waiting out a broker that is down or restarting."""
    while True:
        try:
            return action()
        except BROKER_DOWN as exc:
            log.warning("%s: broker unavailable (%s); retrying", what, exc)
            time.sleep(1.0)


class RemoteGrader:
    """Grade a batch item on the workers: ``grader.batch.run_batch``'s ``grade_item``."""

    def __init__(self, settings: Settings) -> None:
        self.app = configure(settings)
        self.batch_id = secrets.token_hex(8)
        self._redis = redis.Redis.from_url(settings.broker_url)
        self._bundles: dict[str, str] = {}  # challenge root -> sha256
        self._lock = threading.Lock()
        self._count = 0

    def _bundle(self, challenge: Challenge) -> str:
        with self._lock:
            key = str(challenge.root)
            if key not in self._bundles:
                data = pack_folder(challenge.root)
                sha = sha256_hex(data)
                _retrying(lambda: self._redis.set(blob_key(sha), data, ex=RESULT_TTL_S), "storing")
                self._bundles[key] = sha
            return self._bundles[key]

    def _task_id(self) -> str:
        with self._lock:
            self._count += 1
            return f"batch-{self.batch_id}-{self._count}"

    def __call__(self, item: object) -> Result:
        from grader.batch import BatchItem
        from grader.workers.tasks import grade_item

        assert isinstance(item, BatchItem) and item.path is not None
        try:
            name, data = submission_bundle(item.path)
        except SubmissionRejected as exc:
            return unrun_result(item.challenge, item.path.name, str(exc))
        sha = self._bundle(item.challenge)
        task_id = self._task_id()
        args = (sha, name, base64.b64encode(data).decode("ascii"))
        _retrying(
            lambda: grade_item.apply_async(args, task_id=task_id, ignore_result=False),
            "sending",
        )
        return self._wait(task_id, item.challenge, item.path.name)

    def _wait(self, task_id: str, challenge: Challenge, name: str) -> Result:
        outcome = self.app.AsyncResult(task_id)
        while True:
            state = _retrying(lambda: outcome.state, "waiting")
            if state == "SUCCESS":
                text = _retrying(lambda: outcome.result, "reading")
                outcome.forget()
                return load_result(str(text))
            if state == "FAILURE":
                reason = f"the worker failed: {outcome.result!r}"
                return unrun_result(challenge, name, reason, status="sandbox_error")
            time.sleep(POLL_S)


def remote_grader(settings: Settings) -> RemoteGrader:
    """A ``grade_item`` for run_batch that sends each item to the workers; raises GraderError
    (with the fix) when the broker cannot be reached at all."""
    grader = RemoteGrader(settings)
    try:
        grader._redis.ping()
    except redis.exceptions.RedisError as exc:
        raise GraderError(
            f"cannot reach the broker {settings.broker_url.split('@')[-1]}: {exc}; start Redis "
            "or fix --broker"
        ) from exc
    return grader
