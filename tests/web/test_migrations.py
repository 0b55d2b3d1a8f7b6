"""Schema migrations: `grader db upgrade` brings any data folder to head and loses no row.

Each test runs on SQLite (the data folder's file) and on PostgreSQL (conftest's ``database_url``).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner, Result

from grader.cli import cli
from grader.config import Settings
from grader.web import create_app
from grader.web.db import db
from grader.web.firstrun import ensure_admin, sync_bank
from grader.web.schema import BASELINE, BASELINE_TABLES, VERSION_TABLE, head_revision, migrate

from .conftest import (
    FAST_HASH,
    AuthActions,
    FakeQueue,
    add_interviewer,
    build_world,
    drop_tables,
    make_app,
    make_settings,
)

# Tables later revisions added: empty after upgrading a pre-migration data folder.
NEW_TABLES: dict[str, list[tuple[Any, ...]]] = {
    "rate_limits": [],
    "blobs": [],
    "candidate_reviews": [],
    "challenge_reviews": [],
    "review_events": [],
    "assessment_events": [],
    "api_tokens": [],
    "webhooks": [],
    "webhook_deliveries": [],
}
# Columns later revisions added to 0001's tables (the models hold them last, in this order),
# with the value an upgrade gives the rows already there.
NEW_COLUMNS: dict[str, dict[str, Any]] = {
    "assessments": {
        "counted_submission": "latest",
        "time_budget_minutes": None,
        "archived_at": None,
    },
    "invites": {
        "email": None,
        "started_at": None,
        "extra_minutes": 0,
        "email_status": None,
        "email_error": None,
        "emailed_at": None,
        "link_salt": "",
    },
    "challenge_versions": {"bundle_sha256": "", "claim_token": "", "lease_expires_at": None},
    "submissions": {"bundle_sha256": "", "bundle_name": ""},
    "runs": {
        "result_json": None,
        "claim_token": "",
        "lease_expires_at": None,
        "worker": "",
        "attempts": 0,
    },
}


def _url(settings: Settings) -> str:
    return settings.database_url or f"sqlite:///{settings.data_dir / 'grader.sqlite3'}"


def _grader_db(settings: Settings, *args: str) -> Result:
    """Run `grader db ...` in-process, configured through the environment as in production."""
    env = {
        "GRADER_DATA_DIR": str(settings.data_dir),
        "GRADER_DATABASE_URL": settings.database_url,
        "GRADER_CHALLENGES_DIR": str(settings.challenges_dir),
    }
    return CliRunner().invoke(cli, ["db", *args], env=env, catch_exceptions=False)


def _make_pre_migration_data_dir(settings: Settings) -> None:
    """Build a data folder the way the grader did before migrations, with rows in every table.

    The factory then ran create_all, the first admin and the bank sync. create_all made
    revision 0001's tables: only those are made here (0002 added ``rate_limits``), and the
    columns later revisions added to them are dropped once the rows are in (NEW_COLUMNS).
    """
    app = create_app(
        {"SETTINGS": settings, "PASSWORD_METHOD": FAST_HASH, "GRADING_QUEUE_FACTORY": FakeQueue}
    )
    with app.app_context():
        db.metadata.create_all(db.engine, tables=[db.metadata.tables[n] for n in BASELINE_TABLES])
        ensure_admin(settings, password_method=FAST_HASH)
        sync_bank(settings)
    add_interviewer(app)
    build_world(app)
    with app.app_context():
        with db.engine.begin() as connection:
            for table, columns in NEW_COLUMNS.items():
                for column in columns:
                    connection.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
        db.engine.dispose()


def _upgraded(before: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[tuple[Any, ...]]]:
    """The rows ``before`` as an upgrade leaves them: new columns at their value, new tables."""
    after = {
        table: [(*row, *NEW_COLUMNS.get(table, {}).values()) for row in rows]
        for table, rows in before.items()
    }
    return {**after, **NEW_TABLES}


def _rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the app that the database holds, in primary-key order."""
    engine = sqlalchemy.create_engine(url)
    try:
        inspector = sqlalchemy.inspect(engine)
        present = set(inspector.get_table_names())
        with engine.connect() as connection:
            return {
                table.name: [
                    tuple(row)
                    for row in connection.execute(
                        sqlalchemy.select(*_present_columns(table, inspector)).order_by(
                            *table.primary_key.columns
                        )
                    )
                ]
                for table in db.metadata.sorted_tables
                if table.name in present
            }
    finally:
        engine.dispose()


def _present_columns(table: sqlalchemy.Table, inspector: Any) -> list[sqlalchemy.Column]:
    """The model's columns of ``table`` that the database has, in the model's order."""
    names = {column["name"] for column in inspector.get_columns(table.name)}
    return [column for column in table.columns if column.name in names]


def _revision(url: str) -> str | None:
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def _schema(url: str) -> dict[str, dict[str, Any]]:
    """Tables, columns, keys, unique constraints and indexes as the database reports them."""
    engine = sqlalchemy.create_engine(url)
    try:
        inspector = sqlalchemy.inspect(engine)
        return {
            name: {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"], c.get("default"))
                    for c in inspector.get_columns(name)
                ],
                "primary_key": inspector.get_pk_constraint(name),
                "foreign_keys": sorted(map(repr, inspector.get_foreign_keys(name))),
                "unique": sorted(map(repr, inspector.get_unique_constraints(name))),
                "indexes": sorted(map(repr, inspector.get_indexes(name))),
            }
            for name in sorted(inspector.get_table_names())
            if name != VERSION_TABLE
        }
    finally:
        engine.dispose()


def _create_all_schema(settings: Settings, tmp_path: Path) -> dict[str, dict[str, Any]]:
    """The schema create_all makes from the models, in a database of the same kind."""
    url = settings.database_url or f"sqlite:///{tmp_path / 'create_all.sqlite3'}"
    engine = sqlalchemy.create_engine(url)
    try:
        db.metadata.create_all(engine)
        schema = _schema(url)
        if settings.database_url:
            drop_tables(url)
        return schema
    finally:
        engine.dispose()


def test_a_fresh_data_folder_is_upgraded_from_empty_to_the_models_schema(
    settings_db: Settings, tmp_path: Path
) -> None:
    expected = _create_all_schema(settings_db, tmp_path)
    assert _grader_db(settings_db, "current").output.startswith("none (head is ")

    result = _grader_db(settings_db, "upgrade")
    assert result.exit_code == 0, result.output
    assert f"created at revision {head_revision()} (head)" in result.output
    url = _url(settings_db)
    assert _revision(url) == head_revision()
    assert _schema(url) == expected
    assert all(rows == [] for rows in _rows(url).values())
    assert _grader_db(settings_db, "current").output == f"{head_revision()} (head)\n"


def _normalised(sql: str | None) -> str:
    """A CREATE statement with its table name unquoted and its constraint lines sorted."""
    if sql is None:
        return ""
    head, *lines = [line.strip().rstrip(",").strip() for line in sql.replace('"', "").split("\n")]
    columns = [line for line in lines if not line.startswith(("PRIMARY", "UNIQUE", "FOREIGN"))]
    constraints = sorted(set(lines) - set(columns))
    return "\n".join([head, *columns, *constraints])


def test_sqlite_keeps_the_very_sql_create_all_wrote(data_dir: Path, bank: Path) -> None:
    """What SQLite stores for each table and index is what create_all made: the same lines,
    the columns in the same order; a table a revision rebuilt (batch mode) may quote its name
    and list its constraints in another order."""
    settings = make_settings(data_dir, bank)
    assert _grader_db(settings, "upgrade").exit_code == 0
    made_by_all = data_dir.parent / "create_all.sqlite3"
    engine = sqlalchemy.create_engine(f"sqlite:///{made_by_all}")
    db.metadata.create_all(engine)
    engine.dispose()
    query = (
        "SELECT type, name, tbl_name, sql FROM sqlite_master "
        f"WHERE tbl_name != '{VERSION_TABLE}' ORDER BY name"
    )

    def master(path: Path) -> list[tuple[str, ...]]:
        with sqlite3.connect(path) as connection:
            return [(*row[:3], _normalised(row[3])) for row in connection.execute(query)]

    assert master(data_dir / "grader.sqlite3") == master(made_by_all)


def test_migration_head_matches_the_models(settings_db: Settings) -> None:
    """A model changed without a revision (`flask --app grader.web db migrate`) fails here."""
    assert _grader_db(settings_db, "upgrade").exit_code == 0
    engine = sqlalchemy.create_engine(_url(settings_db))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts=dict(migrate.alembic_ctx_kwargs))
            assert compare_metadata(context, db.metadata) == []
    finally:
        engine.dispose()


def test_a_pre_migration_data_folder_is_stamped_and_upgraded_without_losing_a_row(
    settings_db: Settings,
) -> None:
    _make_pre_migration_data_dir(settings_db)
    url = _url(settings_db)
    before = _rows(url)
    assert set(before) == BASELINE_TABLES
    assert all(before[table] for table in BASELINE_TABLES), "every table holds rows"
    assert _revision(url) is None

    first = _grader_db(settings_db, "upgrade")
    assert first.exit_code == 0, first.output
    assert f"made before migrations, recognised as revision {BASELINE}" in first.output
    assert _revision(url) == head_revision()
    assert _rows(url) == _upgraded(before)

    again = _grader_db(settings_db, "upgrade")
    assert again.exit_code == 0, again.output
    assert "nothing to upgrade" in again.output
    assert _rows(url) == _upgraded(before)

    # The app serves the old data: the interviewer signs in and sees both candidates.
    app = make_app(settings_db)
    try:
        client = app.test_client()
        assert AuthActions(client).login_interviewer().status_code == 302
        page = client.get("/dashboard").get_data(as_text=True)
        assert "Alice Candidate" in page and "Bob Candidate" in page
        assert app.extensions["grader.first_run"] is None  # the old admin is kept
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_serve_preparation_upgrades_a_pre_migration_data_folder(settings_db: Settings) -> None:
    """`grader serve` prepares the app the way make_app does: no separate upgrade is needed."""
    _make_pre_migration_data_dir(settings_db)
    before = _rows(_url(settings_db))
    app = make_app(settings_db)
    with app.app_context():
        db.engine.dispose()
    assert _revision(_url(settings_db)) == head_revision()
    assert _rows(_url(settings_db)) == _upgraded(before)


def test_a_database_with_some_of_the_tables_is_refused(data_dir: Path, bank: Path) -> None:
    settings = make_settings(data_dir, bank)
    data_dir.mkdir(parents=True)
    engine = sqlalchemy.create_engine(_url(settings))
    db.metadata.tables["users"].create(engine)
    engine.dispose()

    result = CliRunner().invoke(
        cli,
        ["db", "upgrade"],
        env={"GRADER_DATA_DIR": str(data_dir), "GRADER_DATABASE_URL": ""},
    )
    assert result.exit_code == 1
    assert "has some of the grader's tables but not assessment_challenges" in result.output
    assert _revision(_url(settings)) is None
