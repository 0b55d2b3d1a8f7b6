"""The /authors resource."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, url_for
from sqlalchemy.exc import IntegrityError

from .db import db
from .errors import ValidationError, json_object
from .models import Author

bp = Blueprint("authors", __name__, url_prefix="/authors")

MAX_NAME_LENGTH = 100


@bp.post("")
def create_author():
    """Create an author; 400 for a bad name, 409 if the name is taken."""
    body = json_object()
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME_LENGTH:
        raise ValidationError({"name": f"must be a string of 1 to {MAX_NAME_LENGTH} characters"})
    author = Author(name=name.strip())
    db.session.add(author)
    try:
        db.session.commit()
    except IntegrityError:
        # The unique constraint decides, so two simultaneous requests cannot both win.
        db.session.rollback()
        abort(409, f"an author named {name.strip()!r} already exists")
    location = url_for("authors.get_author", author_id=author.id)
    return jsonify(author.to_dict()), 201, {"Location": location}


@bp.get("/<int:author_id>")
def get_author(author_id: int):
    """Return an author and their books."""
    author = db.get_or_404(Author, author_id, description=f"no author with id {author_id}")
    return jsonify(author.to_dict())
