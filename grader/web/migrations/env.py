"""Alembic's environment for the web database: the app's engine and models, batch mode on SQLite.

Run inside an application context (``grader db upgrade``, ``grader serve`` or
``flask --app grader.web db ...``); the URL is the app's, never one from alembic.ini.
"""

from __future__ import annotations

from alembic import context
from flask import current_app
from sqlalchemy.engine import Connection

config = context.config
migrate = current_app.extensions["migrate"]
target_metadata = migrate.db.metadata


def _skip_empty_autogenerate(context_: object, revision: object, directives: list) -> None:
    """Write no revision file when autogenerate finds nothing to change."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        config.print_stdout("The models match the newest revision: no revision written.")


def _run(connection: Connection) -> None:
    options = dict(migrate.configure_args)
    options.setdefault("process_revision_directives", _skip_empty_autogenerate)
    context.configure(connection=connection, target_metadata=target_metadata, **options)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Print the SQL of the migrations (``--sql``) instead of running them."""
    context.configure(
        url=migrate.db.engine.url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=migrate.configure_args.get("render_as_batch", True),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on the app's engine."""
    engine = migrate.db.engine
    with engine.connect() as connection:
        if engine.dialect.name != "sqlite":
            _run(connection)
            return
        # Batch mode rebuilds a SQLite table by copy, drop and rename: with foreign keys
        # enforced, dropping a table other rows point at would fail or delete them. The app's
        # connections turn them on at connect (grader.web.db), so turn them off for the
        # migration and back on before the connection returns to the pool.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
        try:
            _run(connection)
        finally:
            connection.rollback()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
