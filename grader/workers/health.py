"""`grader worker --check`: can this host grade? The broker, the database, Docker, the image."""

from __future__ import annotations

from collections.abc import Callable

from grader.config import Settings
from grader.errors import GraderError


def _broker(settings: Settings) -> str:
    import redis

    from grader.workers.app import QUEUE, configure

    configure(settings)  # refuses a missing or non-Redis URL with the fix
    with redis.Redis.from_url(settings.broker_url, socket_timeout=5) as client:
        client.ping()
        depth = client.llen(QUEUE)
    return f"reachable, {depth} task(s) waiting"


def _database(settings: Settings) -> str:
    from grader.web import create_app
    from grader.web.db import db
    from grader.web.schema import current_revision, head_revision
    from grader.workers.command import check_settings

    check_settings(settings)
    app = create_app({"SETTINGS": settings, "GRADING_QUEUE_FACTORY": lambda app: None})
    with app.app_context():
        try:
            current, head = current_revision(), head_revision()
        finally:
            db.engine.dispose()
    if current != head:
        raise GraderError(
            f"schema at {current or 'none'}, this grader needs {head}: "
            "run `grader db upgrade` (or start `grader serve`) first"
        )
    return f"reachable, schema {current} (head)"


def _docker(settings: Settings) -> str:
    from grader.sandbox.docker import connect

    client = connect()
    return f"engine {client.version().get('Version', '?')} answers"


def _image(settings: Settings) -> str:
    from grader.pipeline import open_sandbox

    sandbox = open_sandbox(settings)
    try:
        return f"{getattr(sandbox, 'image', '?')} ready"
    finally:
        sandbox.close()


CHECKS: tuple[tuple[str, Callable[[Settings], str]], ...] = (
    ("broker", _broker),
    ("database", _database),
    ("docker", _docker),
    ("image", _image),
)


def run_checks(*, settings: Settings, echo: Callable[[str], None]) -> bool:
    """Run every check, one line each ("ok" or "BAD" and why); True when all pass."""
    ok = True
    for name, check in CHECKS:
        try:
            detail = check(settings)
        except GraderError as exc:
            ok, line = False, f"BAD  {name}: {exc.message}"
        except Exception as exc:  # a down service raises its own library's errors
            ok, line = False, f"BAD  {name}: {type(exc).__name__}: {exc}"
        else:
            line = f"ok   {name}: {detail}"
        echo(line)
    return ok
