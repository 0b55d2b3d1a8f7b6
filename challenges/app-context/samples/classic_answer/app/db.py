"""The SQLite connection of a request."""

import sqlite3
import threading

from flask import current_app, g

SCHEMA = """
CREATE TABLE IF NOT EXISTS note (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT ''
);
"""


# --- Given: do not change. /stats reports these counters. ------------------------------


def open_connection():
    """Open a connection to the configured database and count it."""
    conn = sqlite3.connect(current_app.config["DATABASE"])
    conn.row_factory = sqlite3.Row
    _bump("opened")
    return conn


def close_connection(conn):
    """Close a connection opened by open_connection() and count it."""
    conn.close()
    _bump("closed")


def counts():
    """Return the opened/closed counters of the current app."""
    state = current_app.extensions["notes_db"]
    with state["lock"]:
        return {"opened": state["opened"], "closed": state["closed"]}


def _bump(name):
    state = current_app.extensions["notes_db"]
    with state["lock"]:
        state[name] += 1


# --- Your part. --------------------------------------------------------------------------


def get_db():
    """Return this request's connection."""
    if "db" not in g:
        g.db = open_connection()
    return g.db


def close_db(e=None):
    """Close this request's connection, if one was opened."""
    db = g.pop("db", None)
    if db is not None:
        close_connection(db)


def init_app(app):
    """Create the schema and set up the connection handling."""
    app.extensions["notes_db"] = {"lock": threading.Lock(), "opened": 0, "closed": 0}
    conn = sqlite3.connect(app.config["DATABASE"])
    try:
        conn.executescript(SCHEMA)
    finally:
        conn.close()
    app.teardown_appcontext(close_db)
