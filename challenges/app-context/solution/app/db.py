"""The SQLite connection: opened lazily once per request, closed when the app context ends."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing

from flask import Flask, current_app, g

SCHEMA = """
CREATE TABLE IF NOT EXISTS note (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS note_owner ON note (owner, id);
"""


def open_connection() -> sqlite3.Connection:
    """Open a connection to the configured database and count it."""
    conn = sqlite3.connect(current_app.config["DATABASE"])
    conn.row_factory = sqlite3.Row
    _bump("opened")
    return conn


def close_connection(conn: sqlite3.Connection) -> None:
    """Close a connection opened by open_connection() and count it."""
    conn.close()
    _bump("closed")


def counts() -> dict[str, int]:
    """Return the opened/closed counters of the current app."""
    state = current_app.extensions["notes_db"]
    with state["lock"]:
        return {"opened": state["opened"], "closed": state["closed"]}


def get_db() -> sqlite3.Connection:
    """Return this request's connection, opening it on first use."""
    if "db" not in g:
        g.db = open_connection()
    return g.db


def close_db(exc: BaseException | None = None) -> None:
    """Close this request's connection, if one was opened; runs even after an exception."""
    conn = g.pop("db", None)
    if conn is not None:
        close_connection(conn)


def init_app(app: Flask) -> None:
    """Create the schema and register the teardown that closes connections."""
    app.extensions["notes_db"] = {"lock": threading.Lock(), "opened": 0, "closed": 0}
    app.teardown_appcontext(close_db)
    # A direct connection: schema setup is not a request and is not counted.
    with closing(sqlite3.connect(app.config["DATABASE"])) as conn:
        conn.executescript(SCHEMA)


def _bump(name: str) -> None:
    state = current_app.extensions["notes_db"]
    with state["lock"]:
        state[name] += 1
