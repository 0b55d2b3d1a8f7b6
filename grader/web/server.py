"""`grader serve`: the web app on waitress, with its worker pool, until Ctrl-C.

``create_app`` only configures; ``prepare`` is what a server does before it serves.
"""

from __future__ import annotations

import signal
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import waitress
from flask import Flask

from grader.config import Settings
from grader.tempdirs import INTAKE_PREFIX, reap
from grader.web import create_app, webhooks
from grader.web.firstrun import FirstRun, ensure_admin, sync_bank
from grader.web.jobs import EXTENSION
from grader.web.schema import Upgrade, upgrade_database
from grader.web.storage import TMP_PREFIXES

THREADS = 8


@dataclass(frozen=True)
class Prepared:
    """What ``prepare`` did: the schema upgrade, and the admin it created (if it did)."""

    upgrade: Upgrade
    first_run: FirstRun | None


def prepare(app: Flask) -> Prepared:
    """Remove what a killed server left in the temp folders, bring the database to the newest
    schema, create the first admin, make the challenge bank available, then start the grading
    queue (which re-queues unfinished work)."""
    web = app.extensions[EXTENSION]
    reap(Path(tempfile.gettempdir()), [INTAKE_PREFIX])
    reap(web.settings.data_dir / "tmp", TMP_PREFIXES)
    with app.app_context():
        upgrade = upgrade_database()
        first_run = ensure_admin(web.settings, password_method=app.config["PASSWORD_METHOD"])
        sync_bank(web.settings)
        webhooks.sender(app).start_if_needed()  # deliveries a stopped server left are retried
    web.queue.start()
    return Prepared(upgrade, first_run)


def describe_upgrade(upgrade: Upgrade) -> str:
    """One line on what an upgrade did to the database."""
    where = f"database {upgrade.url}"
    if upgrade.stamped:
        return (
            f"{where}: made before migrations, recognised as revision {upgrade.before}, "
            f"now at {upgrade.after} (head)"
        )
    if upgrade.before is None:
        return f"{where}: created at revision {upgrade.after} (head)"
    if upgrade.changed:
        return f"{where}: upgraded from revision {upgrade.before} to {upgrade.after} (head)"
    return f"{where}: at revision {upgrade.after} (head), nothing to upgrade"


def serve(*, settings: Settings, host: str, port: int, echo: Callable[[str], None]) -> None:
    """Create and prepare the app (schema, first admin, bank, workers), say how to sign in,
    and serve until Ctrl-C or SIGTERM; the workers (and their spare containers) are stopped on
    every exit path but SIGKILL, whose leftovers the next start removes."""
    app = create_app({"SETTINGS": settings})
    echo(f"data folder: {settings.data_dir}")
    if settings.broker_url:
        broker = settings.broker_url.rpartition("@")[2]  # never the password
        echo(f"grading: on `grader worker`s through the broker at {broker} (none grades here)")
    queue = app.extensions[EXTENSION].queue
    try:
        with _sigterm_as_exit():
            prepared = prepare(app)
            url = f"http://{host}:{port}"
            for line in _start_lines(prepared, settings, url):
                echo(line)
            waitress.serve(app, host=host, port=port, threads=THREADS, ident="flask-grader")
    finally:
        if queue is not None:
            queue.stop()
        webhooks.sender(app).stop()


def _start_lines(prepared: Prepared, settings: Settings, url: str) -> list[str]:
    """What the operator reads once the server is ready: the database, how to sign in."""
    lines = [describe_upgrade(prepared.upgrade)]
    first = prepared.first_run
    if first is not None and first.password:
        lines.append(
            f"first run: sign in at {url}/login as {first.email} with password "
            f"{first.password} (shown once: change it under your account)"
        )
    elif first is not None:
        lines.append(
            f"first run: sign in at {url}/login as {first.email} with GRADER_ADMIN_PASSWORD"
        )
    if settings.session_cookie_secure:
        lines.append(
            "cookies are marked Secure: browsers send them over HTTPS (and to localhost) "
            "only; serve behind TLS, or set GRADER_SESSION_COOKIE_SECURE=0 on a trusted "
            "network"
        )
    lines.append(f"serving {url}/login and {url}/dashboard (Ctrl-C to stop)")
    return lines


@contextmanager
def _sigterm_as_exit() -> Iterator[None]:
    """Let SIGTERM (systemd, docker stop, kill) end waitress as Ctrl-C does, so that the
    ``finally`` that stops the workers and removes the spare containers runs; the exit is a
    clean one (0), as a service manager expects of a stop it asked for."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
