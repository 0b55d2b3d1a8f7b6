"""The web database's schema: Alembic migrations (through Flask-Migrate), brought to head on start.

The revisions live in ``grader/web/migrations/versions`` and ship with the package. A database
made before migrations existed (``create_all``, no ``alembic_version`` table) holds exactly the
schema of the first revision: it is stamped with that revision, then upgraded like any other.
``create_all`` is never run on a live database.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import Flask
from flask_migrate import Migrate  # type: ignore[import-untyped]
from sqlalchemy import inspect

from grader.errors import GraderError
from grader.web.db import db

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# The first revision: today's schema as the pre-migration code made it with create_all.
BASELINE = "0001"
BASELINE_TABLES = frozenset(
    {
        "users",
        "challenges",
        "challenge_versions",
        "assessments",
        "assessment_challenges",
        "invites",
        "submissions",
        "runs",
    }
)
VERSION_TABLE = "alembic_version"

# render_as_batch: SQLite alters a table by copying it; compare_type: autogenerate sees types.
migrate = Migrate(db=db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True)


class SchemaError(GraderError):
    """Raise when the database cannot be brought to the schema this grader needs."""


@dataclass(frozen=True)
class Upgrade:
    """What ``upgrade_database`` did: where from, where to, and whether it stamped a baseline."""

    url: str  # with any password hidden
    before: str | None  # None: an empty database
    after: str
    stamped: bool  # recognised as made before migrations and stamped with BASELINE

    @property
    def changed(self) -> bool:
        return self.stamped or self.before != self.after


def init_app(app: Flask) -> None:
    """Register the migrations (and Flask-Migrate's ``flask db`` commands) on ``app``."""
    migrate.init_app(app, db)


def head_revision() -> str:
    """The newest revision the installed grader knows."""
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert head is not None, f"no revisions in {MIGRATIONS_DIR}"
    return head


def current_revision() -> str | None:
    """The database's revision, or None when it has none; needs an app context."""
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_database() -> Upgrade:
    """Bring the app's database to the head revision; needs an app context.

    Idempotent. Rows are never dropped: every revision carries its data along.
    """
    url = db.engine.url.render_as_string(hide_password=True)
    tables = set(inspect(db.engine).get_table_names())
    config = migrate.get_config()
    stamped = VERSION_TABLE not in tables and bool(tables & BASELINE_TABLES)
    try:
        if stamped:
            _check_pre_migration(tables, url)
            command.stamp(config, BASELINE)
        before = current_revision()
        command.upgrade(config, "head")
    except CommandError as exc:
        raise SchemaError(
            f"cannot upgrade the database at {url}: {exc} (a revision this grader does not "
            "know means a newer grader upgraded it: run that one)"
        ) from exc
    after = current_revision()
    assert after is not None
    return Upgrade(url=url, before=before, after=after, stamped=stamped)


def _check_pre_migration(tables: set[str], url: str) -> None:
    missing = BASELINE_TABLES - tables
    if missing:
        raise SchemaError(
            f"the database at {url} has some of the grader's tables but not "
            f"{', '.join(sorted(missing))}, and no {VERSION_TABLE} table: it was not made by "
            "the grader; point GRADER_DATABASE_URL at an empty database or a grader's own"
        )
