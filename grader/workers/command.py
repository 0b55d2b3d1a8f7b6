"""`grader worker`: a Celery worker that grades on this host's Docker engine.

Threads, not processes: a grading waits on its container, and one process shares one sandbox
(its spares, its reaper) between them. The node name is unique per process, so that two
workers on one host are told apart by the broker (and by ``--check``, the dashboard, Flower).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from typing import Any

from celery.signals import worker_ready

from grader.config import Settings
from grader.errors import InputRejected
from grader.workers.app import QUEUE, configure
from grader.workers.runtime import WorkerRuntime, install

log = logging.getLogger(__name__)


def node_name() -> str:
    """This worker's node name: unique per process on a host."""
    return f"grader-{os.getpid()}@{socket.gethostname()}"


def check_settings(settings: Settings) -> None:
    """Refuse settings a worker cannot serve the web app with."""
    if not settings.database_url:
        raise InputRejected(
            "a worker records results in the web app's database: set GRADER_DATABASE_URL "
            "(postgresql+psycopg://USER@HOST/DB) to the one `grader serve` uses"
        )
    margin = settings.deadline_s + settings.run_lease_s
    if settings.broker_visibility_timeout_s <= margin:
        raise InputRejected(
            f"GRADER_BROKER_VISIBILITY_TIMEOUT_S ({settings.broker_visibility_timeout_s:g}) must "
            f"exceed a run's deadline plus its lease ({margin:g} s): Redis would hand a running "
            "task to a second worker"
        )


def run_worker(
    *, settings: Settings, concurrency: int, loglevel: str = "INFO", echo: Callable[[str], None]
) -> None:
    """Consume the queue until stopped (SIGTERM, Ctrl-C: running gradings finish first)."""
    check_settings(settings)
    app = configure(settings)
    name = node_name()
    runtime = WorkerRuntime(settings=settings, hostname=name, concurrency=concurrency)
    install(runtime)
    logging.basicConfig(level=loglevel, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    echo(f"worker {name}: broker {_hide_password(settings.broker_url)}, {concurrency} slot(s)")
    if runtime.engine_ok():  # opens the sandbox now: builds the image on first use
        echo("Docker engine and sandbox image ready")
    else:
        echo("the Docker engine is unavailable: this worker takes no work until it answers")

    @worker_ready.connect(weak=False)
    def _pause_if_unfit(**_: Any) -> None:
        if not runtime.engine_ok():
            runtime.pause()

    runtime.start_sweeper()
    try:
        app.worker_main(
            [
                "worker",
                "--pool=threads",
                f"--concurrency={concurrency}",
                f"--hostname={name}",
                f"--queues={QUEUE}",
                f"--loglevel={loglevel}",
                "--without-gossip",
                "--without-mingle",
            ]
        )
    finally:
        runtime.stop()
        sandbox = runtime.web.sandbox.opened()
        if sandbox is not None:
            sandbox.close()


def _hide_password(url: str) -> str:
    """A broker URL without its password, for logs."""
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}{sep}{user + ':***' if ':' in credentials else user}@{host}"
