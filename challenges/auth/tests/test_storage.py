"""What the app actually stored: its SQLite file, read through a read-only snapshot."""

from __future__ import annotations

import re

import pytest
from werkzeug.security import check_password_hash

pytestmark = [pytest.mark.requirement("R22")]

DATABASE = "instance/auth.sqlite"
WERKZEUG_HASH = re.compile(r"(scrypt|pbkdf2):[^$]+\$[^$]+\$[0-9a-f]{32,}")
MAX_ROWS = 10_000  # per table: the suite makes a few dozen users


def _rows_with(database, value: str) -> list[tuple]:
    """Every row, in any table, holding ``value`` as one of its fields."""
    tables = [
        name
        for (name,) in database.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    found = []
    for table in tables:
        quoted = '"' + table.replace('"', '""') + '"'
        rows = database.execute(f"SELECT * FROM {quoted} LIMIT {MAX_ROWS}").fetchall()
        found += [row for row in rows if value in row]
    return found


def _user_row(app_files, username: str) -> tuple:
    assert app_files.exists(DATABASE), f"{DATABASE} does not exist: store users there (R22)"
    rows = _rows_with(app_files.sqlite(DATABASE), username)
    assert rows, f"no row of {DATABASE} holds the username of a user just registered"
    assert len(rows) == 1, f"{len(rows)} rows of {DATABASE} hold the same username"
    return rows[0]


@pytest.mark.weight(2)
@pytest.mark.skill("registration")
@pytest.mark.hint("Store every registered user in the SQLite file the statement names.")
def test_a_registered_user_is_a_row_of_the_database_file(register, app_files):
    """A user is one row of instance/auth.sqlite once POST /register has answered"""
    username, _, _ = register()
    _user_row(app_files, username)


@pytest.mark.weight(3)
@pytest.mark.skill("password-hashing")
@pytest.mark.requirement("R19")
@pytest.mark.hint("Store only a salted werkzeug hash of each password, never the password.")
def test_the_stored_row_holds_a_werkzeug_hash_not_the_password(register, app_files):
    """The user's row holds a salted werkzeug hash of the password, never the password"""
    username, password, _ = register("stored-row-secret-7")
    row = _user_row(app_files, username)
    texts = [value for value in row if isinstance(value, str)]
    in_plain_text = any(password in value for value in texts)
    assert not in_plain_text, "the user's row holds the password in plain text"
    hashes = [value for value in texts if WERKZEUG_HASH.fullmatch(value)]
    assert hashes, (
        "no field of the user's row is a werkzeug.security hash (scrypt or pbkdf2, "
        "method$salt$hash)"
    )
    verifies = any(check_password_hash(value, password) for value in hashes)
    assert verifies, "the stored hash does not verify the user's password"


@pytest.mark.weight(2)
@pytest.mark.skill("password-hashing")
@pytest.mark.hint("The password itself must never be written to the database.")
def test_the_password_appears_nowhere_in_the_database_files(register, app_files):
    """The password's bytes appear nowhere in instance/auth.sqlite or its -wal file"""
    _, password, _ = register("nowhere-to-be-found-5")
    assert app_files.exists(DATABASE), f"{DATABASE} does not exist: store users there (R22)"
    for name in (DATABASE, f"{DATABASE}-wal"):
        if name == DATABASE or app_files.exists(name):
            written = password.encode() in app_files.read_bytes(name)  # no bytes in the report
            assert not written, f"the password is written in plain text in {name}"
