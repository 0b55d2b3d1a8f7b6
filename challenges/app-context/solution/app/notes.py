"""The notes API: every view acts for the user named by the X-User header."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, g, jsonify, request

from .db import get_db

bp = Blueprint("notes", __name__, url_prefix="/notes")

MAX_LIMIT = 100
MAX_IMPORT = 50
MAX_TITLE = 200


class InvalidNote(Exception):
    """A request body that does not follow the schema (a 400)."""

    def __init__(self, message: str, *, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


@bp.errorhandler(InvalidNote)
def invalid_note(e: InvalidNote):
    """Answer 400 with the message and, for imports, the index of the bad note."""
    body: dict[str, Any] = {"error": str(e)}
    if e.index is not None:
        body["index"] = e.index
    return jsonify(body), 400


@bp.before_request
def load_user():
    """Reject requests without a user before any view (and any database work) runs."""
    user = request.headers.get("X-User", "").strip()
    if not user or len(user) > 64:
        return jsonify(error="an X-User header (1-64 characters) is required"), 401
    g.user = user
    return None


def _note(row) -> dict[str, Any]:
    return {"id": row["id"], "owner": row["owner"], "title": row["title"], "body": row["body"]}


def _validate(item: Any, index: int | None = None) -> tuple[str, str]:
    """Return (title, body) of a note payload or raise InvalidNote."""
    if not isinstance(item, dict):
        raise InvalidNote("a note must be a JSON object", index=index)
    title, body = item.get("title"), item.get("body", "")
    if not isinstance(title, str) or not title.strip():
        raise InvalidNote("title must be a non-empty string", index=index)
    if len(title) > MAX_TITLE:
        raise InvalidNote(f"title must be at most {MAX_TITLE} characters", index=index)
    if not isinstance(body, str):
        raise InvalidNote("body must be a string", index=index)
    return title.strip(), body


def _json_body() -> Any:
    data = request.get_json(silent=True)
    if data is None:
        raise InvalidNote("the request body must be JSON")
    return data


def _insert(db, title: str, body: str) -> dict[str, Any]:
    cur = db.execute(
        "INSERT INTO note (owner, title, body) VALUES (?, ?, ?)", (g.user, title, body)
    )
    row = db.execute("SELECT * FROM note WHERE id = ?", (cur.lastrowid,)).fetchone()
    return _note(row)


@bp.post("")
def create_note():
    """Create a note for the current user."""
    title, body = _validate(_json_body())
    db = get_db()
    with db:
        note = _insert(db, title, body)
    return note, 201


@bp.post("/import")
def import_notes():
    """Create several notes, all or none."""
    items = _json_body()
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_IMPORT:
        raise InvalidNote(f"the body must be a JSON array of 1 to {MAX_IMPORT} notes")
    db = get_db()
    # One transaction: an invalid note raises, `with db` rolls back what was inserted.
    with db:
        created = [_insert(db, *_validate(item, i)) for i, item in enumerate(items)]
    return {"imported": len(created), "ids": [n["id"] for n in created]}, 201


@bp.get("")
def list_notes():
    """List the current user's notes, newest first."""
    raw = request.args.get("limit")
    if raw is None:
        limit = current_app.config["PAGE_SIZE"]
    elif raw.isdigit() and 1 <= int(raw) <= MAX_LIMIT:
        limit = int(raw)
    else:
        abort(400, f"limit must be an integer from 1 to {MAX_LIMIT}")
    query = request.args.get("q", "")
    rows = get_db().execute(
        "SELECT * FROM note WHERE owner = ? AND instr(lower(title), lower(?)) > 0"
        " ORDER BY id DESC LIMIT ?",
        (g.user, query, limit),
    )
    return {"notes": [_note(r) for r in rows]}


@bp.get("/<int:note_id>")
def get_note(note_id: int):
    """Return one of the current user's notes; others' notes do not exist for them."""
    row = (
        get_db()
        .execute("SELECT * FROM note WHERE id = ? AND owner = ?", (note_id, g.user))
        .fetchone()
    )
    if row is None:
        abort(404, f"note {note_id} not found")
    return _note(row)
