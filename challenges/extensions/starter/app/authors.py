"""The /authors resource."""

from __future__ import annotations

from flask import Blueprint, abort

bp = Blueprint("authors", __name__, url_prefix="/authors")


@bp.post("")
def create_author():
    """Create an author."""
    # TODO: validate {"name": ...}; 201 + Location; 409 if the name is taken.
    abort(501)


@bp.get("/<int:author_id>")
def get_author(author_id: int):
    """Return an author and their books."""
    # TODO: {"id", "name", "books": [...]} or 404.
    abort(501)
