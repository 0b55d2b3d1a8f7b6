"""The notes API: every view acts for the user named by the X-User header."""

from flask import Blueprint, current_app, request

from .db import close_connection, get_db

bp = Blueprint("notes", __name__, url_prefix="/notes")


def to_dict(row):
    return dict(row)


@bp.post("")
def create_note():
    """Create a note for the current user."""
    data = request.json
    user = request.headers.get("X-User")
    db = get_db()
    cur = db.execute(
        "INSERT INTO note (owner, title, body) VALUES (?, ?, ?)",
        (user, data["title"], data.get("body", "")),
    )
    db.commit()
    note = {"id": cur.lastrowid, "owner": user, "title": data["title"], "body": data.get("body", "")}
    close_connection(db)
    return note, 201


@bp.post("/import")
def import_notes():
    """Create several notes, all or none."""
    user = request.headers.get("X-User")
    db = get_db()
    ids = []
    for item in request.json:
        cur = db.execute(
            "INSERT INTO note (owner, title, body) VALUES (?, ?, ?)",
            (user, item["title"], item.get("body", "")),
        )
        ids.append(cur.lastrowid)
    db.commit()
    close_connection(db)
    return {"imported": len(ids), "ids": ids}, 201


@bp.get("")
def list_notes():
    """List the current user's notes, newest first (arguments: limit, q)."""
    user = request.headers.get("X-User")
    limit = request.args.get("limit", current_app.config["PAGE_SIZE"], type=int)
    q = request.args.get("q", "")
    db = get_db()
    rows = db.execute(
        "SELECT * FROM note WHERE owner = ? AND title LIKE ? ORDER BY id DESC LIMIT ?",
        (user, "%" + q + "%", limit),
    ).fetchall()
    close_connection(db)
    return {"notes": [to_dict(r) for r in rows]}


@bp.get("/<int:note_id>")
def get_note(note_id):
    """Return one of the current user's notes."""
    db = get_db()
    row = db.execute("SELECT * FROM note WHERE id = ?", (note_id,)).fetchone()
    if row is None:
        return {"error": "not found"}, 404
    close_connection(db)
    return to_dict(row)
