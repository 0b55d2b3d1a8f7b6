"""The notes API: every view acts for the user named by the X-User header."""

from flask import Blueprint

from .db import get_db  # noqa: F401  (you will need it)

bp = Blueprint("notes", __name__, url_prefix="/notes")

# TODO: reject requests without a usable X-User header (401) before any view runs.


@bp.post("")
def create_note():
    """Create a note for the current user."""
    # TODO: validate the JSON payload, insert the note, answer 201 with the note.
    return {"error": "not implemented"}, 501


@bp.post("/import")
def import_notes():
    """Create several notes, all or none."""
    # TODO
    return {"error": "not implemented"}, 501


@bp.get("")
def list_notes():
    """List the current user's notes, newest first (arguments: limit, q)."""
    # TODO: read limit (default current_app.config["PAGE_SIZE"]) and q from the request.
    return {"error": "not implemented"}, 501


@bp.get("/<int:note_id>")
def get_note(note_id):
    """Return one of the current user's notes."""
    # TODO: 404 if it does not exist or belongs to someone else.
    return {"error": "not implemented"}, 501
