"""What one ``grader worker`` process holds: the web app's context, its sandbox, its health.

A worker whose Docker engine is down refuses work: it stops consuming from the queue (through
Celery's own control channel, so another worker gets the task) and starts again once the
engine answers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask

from grader.config import Settings
from grader.errors import GraderError
from grader.pipeline import open_sandbox
from grader.sandbox import Sandbox
from grader.web import create_app
from grader.web.jobs import EXTENSION, SandboxProvider, WebState
from grader.workers.app import QUEUE, celery_app
from grader.workers.bundles import BlobFiles

log = logging.getLogger(__name__)
HEALTH_INTERVAL_S = 3.0  # how often a paused worker asks its engine again


class _NoQueue:
    """A worker's app hands no work on: it is the one doing it."""

    def __init__(self, app: Flask) -> None:
        pass

    def submit(self, run_id: str) -> None:
        raise GraderError("a worker does not queue runs")

    def submit_validation(self, version_id: str) -> None:
        raise GraderError("a worker does not queue validations")

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


@dataclass
class WorkerRuntime:
    """The worker's app context, sandbox, and whether it currently consumes."""

    settings: Settings
    hostname: str
    concurrency: int
    app: Flask = field(init=False)
    paused: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stopping: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.app = create_app({"SETTINGS": self.settings, "GRADING_QUEUE_FACTORY": _NoQueue})
        web: WebState = self.app.extensions[EXTENSION]
        web.sandbox = SandboxProvider(self._sandbox_factory())
        web.files = BlobFiles(self.settings.cache_dir / "worker")
        web.write_result_files = False
        web.worker_name = self.hostname
        web.sandbox_health = self.engine_ok

    @property
    def web(self) -> WebState:
        return self.app.extensions[EXTENSION]

    def _sandbox_factory(self) -> Callable[[], Sandbox]:
        settings, spares = self.settings, self.concurrency
        return lambda: open_sandbox(settings, spares=spares)

    def engine_ok(self, *, quiet: bool = False) -> bool:
        """Whether this host's Docker engine answers and the sandbox is open (building the
        image on first use); says why not in the log unless ``quiet``."""
        try:
            sandbox = self.web.sandbox.get()
            client = getattr(sandbox, "client", None)
            if client is not None:
                client.ping()
        except Exception as exc:  # the engine is down, unreachable or answers nonsense
            if not quiet:
                log.warning("Docker engine unavailable: %s", exc)
            return False
        return True

    def pause(self) -> None:
        """Stop consuming (another worker takes the queue) until the engine answers again.

        Asked again on every refusal: a consumer that reconnected to a restarted broker
        consumes its queue again.
        """
        celery_app.control.cancel_consumer(QUEUE, destination=[self.hostname])
        with self._lock:
            if self.paused.is_set():
                return
            self.paused.set()
        log.warning("%s stops taking work until its Docker engine answers", self.hostname)
        threading.Thread(target=self._resume_when_healthy, name="engine-watch", daemon=True).start()

    def _resume_when_healthy(self) -> None:
        while not self.engine_ok(quiet=True):
            threading.Event().wait(HEALTH_INTERVAL_S)
        log.info("%s: the Docker engine answers again: taking work", self.hostname)
        celery_app.control.add_consumer(QUEUE, destination=[self.hostname])
        self.paused.clear()

    def start_sweeper(self) -> None:
        """Every lease, hand again the runs and validations whose worker died (their lease
        lapsed a lease ago): sooner than Redis's visibility timeout, which stays the backstop."""
        threading.Thread(target=self._sweep, name="lease-sweeper", daemon=True).start()

    def _sweep(self) -> None:
        from grader.web.db import ChallengeVersion, Run, db
        from grader.web.jobs import release_abandoned
        from grader.workers.tasks import grade_run, validate_version

        lease_s = self.settings.run_lease_s
        jobs = ((Run, grade_run), (ChallengeVersion, validate_version))
        while not self._stopping.wait(lease_s):
            try:
                for model, task in jobs:
                    with self.app.app_context():
                        try:
                            released = release_abandoned(model, grace_s=lease_s)
                        finally:
                            db.session.remove()
                    for public_id in released:
                        log.warning("%s: its worker died; delivering it again", public_id)
                        task.apply_async((public_id,))
            except Exception:  # the database or the broker may be back at the next sweep
                log.warning("lease sweep failed", exc_info=True)

    def stop(self) -> None:
        """Stop the background threads."""
        self._stopping.set()


_current: WorkerRuntime | None = None


def install(runtime: WorkerRuntime) -> None:
    """Make ``runtime`` the one this process's tasks use."""
    global _current
    _current = runtime


def current() -> WorkerRuntime:
    """The runtime of this worker process (``grader worker`` installs it before consuming)."""
    if _current is None:
        raise GraderError("this process is not a grader worker: start one with `grader worker`")
    return _current
