"""The notes API: every view acts for the user named by the X-User header."""

from flask import Blueprint, abort, current_app, g, jsonify, request

from .db import get_db

bp = Blueprint("notes", __name__, url_prefix="/notes")


class ValidationError(Exception):
    def __init__(self, message, index=None):
        super().__init__(message)
        self.message = message
        self.index = index


@bp.errorhandler(ValidationError)
def handle_validation_error(e):
    body = {"error": e.message}
    if e.index is not None:
        body["index"] = e.index
    return jsonify(body), 400


@bp.before_request
def load_user():
    user = request.headers.get("X-User", "").strip()
    if not user or len(user) > 64:
        return jsonify(error="X-User header required"), 401
    g.user = user


def validate_note(data, index=None):
    if not isinstance(data, dict):
        raise ValidationError("note must be a JSON object", index)
    title = data.get("title")
    body = data.get("body", "")
    if not isinstance(title, str) or not title.strip():
        raise ValidationError("title must be a non-empty string", index)
    if len(title) > 200:
        raise ValidationError("title must be at most 200 characters", index)
    if not isinstance(body, str):
        raise ValidationError("body must be a string", index)
    return title, body


def note_to_dict(row):
    return {"id": row["id"], "owner": row["owner"], "title": row["title"], "body": row["body"]}


def insert_note(db, title, body):
    cur = db.execute(
        "INSERT INTO note (owner, title, body) VALUES (?, ?, ?)", (g.user, title, body)
    )
    return {"id": cur.lastrowid, "owner": g.user, "title": title, "body": body}


@bp.post("")
def create_note():
    data = request.get_json()
    title, body = validate_note(data)
    db = get_db()
    note = insert_note(db, title, body)
    db.commit()
    return note, 201


@bp.post("/import")
def import_notes():
    items = request.get_json()
    if not isinstance(items, list) or not 1 <= len(items) <= 50:
        raise ValidationError("body must be a JSON array of 1 to 50 notes")
    db = get_db()
    try:
        ids = []
        for i, item in enumerate(items):
            title, body = validate_note(item, i)
            ids.append(insert_note(db, title, body)["id"])
        db.commit()
    except Exception:
        db.rollback()
        raise
    return {"imported": len(ids), "ids": ids}, 201


@bp.get("")
def list_notes():
    limit = request.args.get("limit", str(current_app.config["PAGE_SIZE"]))
    if not limit.isdigit() or not 1 <= int(limit) <= 100:
        abort(400, "limit must be an integer from 1 to 100")
    q = request.args.get("q", "")
    rows = get_db().execute(
        "SELECT * FROM note WHERE owner = ? AND title LIKE ? ORDER BY id DESC LIMIT ?",
        (g.user, f"%{q}%", int(limit)),
    ).fetchall()
    return {"notes": [note_to_dict(row) for row in rows]}


@bp.get("/<int:note_id>")
def get_note(note_id):
    row = get_db().execute(
        "SELECT * FROM note WHERE id = ? AND owner = ?", (note_id, g.user)
    ).fetchone()
    if row is None:
        abort(404, "note not found")
    return note_to_dict(row)
