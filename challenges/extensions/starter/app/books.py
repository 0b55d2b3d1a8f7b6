"""The /books resource."""

from __future__ import annotations

from flask import Blueprint, abort

bp = Blueprint("books", __name__, url_prefix="/books")


@bp.post("")
def create_book():
    """Create a book."""
    # TODO: validate every field (400 {"errors": {...}}); 201 + Location; 409 for a taken ISBN.
    abort(501)


@bp.get("")
def list_books():
    """List books by id, optionally of one author, a page at a time."""
    # TODO: ?author_id=, ?page= and ?per_page= (see the README for bounds and the page shape).
    abort(501)


@bp.get("/<int:book_id>")
def get_book(book_id: int):
    """Return one book with its author."""
    # TODO
    abort(501)


@bp.delete("/<int:book_id>")
def delete_book(book_id: int):
    """Delete a book."""
    # TODO: 204, or 404.
    abort(501)
