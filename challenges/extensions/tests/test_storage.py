"""What the app actually stored: rows of its SQLite file, read through a read-only snapshot."""

from __future__ import annotations

import uuid

import pytest

pytestmark = [pytest.mark.skill("extension-setup"), pytest.mark.requirement("R21")]

DATABASE = "instance/library.sqlite"
MAX_ROWS = 10_000  # per table: the suite stores a few hundred records


def _rows_with(database, value: object) -> list[tuple]:
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


def _snapshot(app_files):
    assert app_files.exists(DATABASE), f"{DATABASE} does not exist: store the records there"
    return app_files.sqlite(DATABASE)


@pytest.mark.weight(2)
@pytest.mark.hint("Store each record in the SQLite file the statement names, as the API shows it.")
def test_a_created_book_is_a_row_with_its_fields(app_files, new_author, new_book):
    """A created book is one row of instance/library.sqlite with its fields and author id"""
    author = new_author()
    title = f"Stored {uuid.uuid4().hex[:8]}"
    book = new_book(author["id"], title=title, year=1971)
    rows = _rows_with(_snapshot(app_files), book["isbn"])
    assert len(rows) == 1, f"{len(rows)} rows of {DATABASE} hold the new book's ISBN, not 1"
    row = rows[0]
    missing = [
        name
        for name, value in (("id", book["id"]), ("title", title), ("year", 1971))
        if value not in row
    ]
    assert not missing, f"the book's row lacks its {', '.join(missing)}: {row!r}"
    assert author["id"] in row, f"the book's row does not hold its author's id: {row!r}"


@pytest.mark.weight(2)
@pytest.mark.requirement("R3")
@pytest.mark.hint("Store names exactly as the API returns them.")
def test_a_created_author_is_a_row_with_the_stripped_name(app_files, client):
    """A created author is one row holding its id and its name stripped of spaces"""
    name = f"Padded {uuid.uuid4().hex[:8]}"
    created = client.post("/authors", json={"name": f"  {name}  "})
    assert created.status_code == 201, f"setup: POST /authors answered {created.status}"
    database = _snapshot(app_files)
    assert not _rows_with(database, f"  {name}  "), "the name is stored with its spaces"
    rows = _rows_with(database, name)
    assert len(rows) == 1, f"{len(rows)} rows of {DATABASE} hold the new author's name, not 1"
    assert created.get_json()["id"] in rows[0], f"the author's row lacks its id: {rows[0]!r}"


@pytest.mark.weight(1)
@pytest.mark.requirement("R12")
@pytest.mark.hint("A deleted record must be removed from the database.")
def test_a_deleted_book_row_is_gone(app_files, client, new_author, new_book):
    """After DELETE /books/<id> the book's row is no longer in the database file"""
    book = new_book(new_author()["id"])
    assert _rows_with(_snapshot(app_files), book["isbn"]), "setup: the new book is not stored"
    deleted = client.delete(f"/books/{book['id']}")
    assert deleted.status_code == 204, f"setup: DELETE /books/<id> answered {deleted.status}"
    assert not _rows_with(_snapshot(app_files), book["isbn"]), (
        "the deleted book's row is still in the database file"
    )


@pytest.mark.weight(2)
@pytest.mark.skill("integrity")
@pytest.mark.hint("A refused duplicate must never reach the database.")
def test_a_duplicate_isbn_is_not_stored(app_files, client, new_author, new_book):
    """After a POST /books with a taken ISBN, the file holds exactly one row with that ISBN"""
    # R14 in the file itself; marked R21 only, so that a misplaced database file never reads
    # as "a duplicate is stored twice" (R14's cap): R14's HTTP tests cover that.
    author_id = new_author()["id"]
    book = new_book(author_id)
    payload = {"title": "Copy", "isbn": book["isbn"], "year": 2001, "author_id": author_id}
    client.post("/books", json=payload)  # 409 (R13); whatever it answers, nothing is stored
    rows = _rows_with(_snapshot(app_files), book["isbn"])
    assert len(rows) == 1, f"{len(rows)} rows hold the ISBN after the duplicate"
    assert "Copy" not in rows[0], "the duplicate overwrote the first book's row"
