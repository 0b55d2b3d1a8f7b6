"""The notes API: every view acts for the user named by the X-User header."""

from flask import Blueprint, abort, current_app, g, jsonify, request

from .db import get_db

bp = Blueprint("notes", __name__, url_prefix="/notes")


class BadNote(Exception):
    def __init__(self, message, index=None):
        self.message = message
        self.index = index


@bp.errorhandler(BadNote)
def bad_note(e):
    body = {"error": e.message}
    if e.index is not None:
        body["index"] = e.index
    return jsonify(body), 400


@bp.before_request
def require_user():
    user = request.headers.get("X-User", "").strip()
    if not user or len(user) > 64:
        return jsonify(error="missing X-User header"), 401
    g.user = user


def check_note(data, index=None):
    if not isinstance(data, dict):
        raise BadNote("note must be an object", index)
    title = data.get("title")
    body = data.get("body", "")
    if not isinstance(title, str) or not title.strip() or len(title) > 200:
        raise BadNote("title must be a non-empty string", index)
    if not isinstance(body, str):
        raise BadNote("body must be a string", index)
    return title, body


def row_to_dict(row):
    return {"id": row["id"], "owner": row["owner"], "title": row["title"], "body": row["body"]}


def insert_note(db, title, body):
    cur = db.execute(
        "INSERT INTO note (owner, title, body) VALUES (?, ?, ?)", (g.user, title, body)
    )
    return {"id": cur.lastrowid, "owner": g.user, "title": title, "body": body}


@bp.post("")
def create_note():
    data = request.get_json(silent=True)
    if data is None:
        raise BadNote("body must be JSON")
    title, body = check_note(data)
    db = get_db()
    note = insert_note(db, title, body)
    db.commit()
    return note, 201


@bp.post("/import")
def import_notes():
    items = request.get_json(silent=True)
    if not isinstance(items, list) or not 1 <= len(items) <= 50:
        raise BadNote("body must be a list of 1 to 50 notes")
    db = get_db()
    ids = []
    try:
        for i, item in enumerate(items):
            title, body = check_note(item, i)
            ids.append(insert_note(db, title, body)["id"])
    except BadNote:
        db.rollback()
        raise
    db.commit()
    return {"imported": len(ids), "ids": ids}, 201


@bp.get("")
def list_notes():
    limit = request.args.get("limit", current_app.config["PAGE_SIZE"])
    try:
        limit = int(limit)
    except ValueError:
        abort(400, "limit must be an integer")
    if not 1 <= limit <= 100:
        abort(400, "limit must be between 1 and 100")
    q = request.args.get("q", "")
    rows = get_db().execute(
        "SELECT * FROM note WHERE owner = ? AND title LIKE ? ORDER BY id DESC LIMIT ?",
        (g.user, f"%{q}%", limit),
    ).fetchall()
    return {"notes": [row_to_dict(r) for r in rows]}


@bp.get("/<int:note_id>")
def get_note(note_id):
    row = get_db().execute(
        "SELECT * FROM note WHERE id = ? AND owner = ?", (note_id, g.user)
    ).fetchone()
    if row is None:
        abort(404, "note not found")
    return row_to_dict(row)
