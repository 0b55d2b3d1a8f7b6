"""`grader serve`: the web app on waitress, with its worker pool, until Ctrl-C.

``create_app`` only configures; ``prepare`` is what a server does before it serves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import waitress
from flask import Flask

from grader.config import Settings
from grader.web import create_app
from grader.web.firstrun import FirstRun, ensure_admin, sync_bank
from grader.web.jobs import EXTENSION
from grader.web.schema import Upgrade, upgrade_database

THREADS = 8


@dataclass(frozen=True)
class Prepared:
    """What ``prepare`` did: the schema upgrade, and the admin it created (if it did)."""

    upgrade: Upgrade
    first_run: FirstRun | None


def prepare(app: Flask) -> Prepared:
    """Bring the database to the newest schema, create the first admin, make the challenge
    bank available, then start the grading queue (which re-queues unfinished work)."""
    web = app.extensions[EXTENSION]
    with app.app_context():
        upgrade = upgrade_database()
        first_run = ensure_admin(web.settings, password_method=app.config["PASSWORD_METHOD"])
        sync_bank(web.settings)
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
    and serve until Ctrl-C; the workers are stopped on every exit path."""
    app = create_app({"SETTINGS": settings})
    echo(f"data folder: {settings.data_dir}")
    queue = app.extensions[EXTENSION].queue
    try:
        prepared = prepare(app)
        echo(describe_upgrade(prepared.upgrade))
        url = f"http://{host}:{port}"
        first = prepared.first_run
        if first is not None:
            if first.password:
                echo(
                    f"first run: sign in at {url}/login as {first.email} with password "
                    f"{first.password} (shown once: change it under your account)"
                )
            else:
                echo(
                    f"first run: sign in at {url}/login as {first.email} with GRADER_ADMIN_PASSWORD"
                )
        if settings.session_cookie_secure:
            echo(
                "cookies are marked Secure: browsers send them over HTTPS (and to localhost) "
                "only; serve behind TLS, or set GRADER_SESSION_COOKIE_SECURE=0 on a trusted "
                "network"
            )
        echo(f"serving {url}/login and {url}/dashboard (Ctrl-C to stop)")
        waitress.serve(app, host=host, port=port, threads=THREADS, ident="flask-grader")
    finally:
        if queue is not None:
            queue.stop()
