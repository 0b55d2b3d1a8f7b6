"""The /books resource."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, jsonify, url_for
from sqlalchemy.exc import IntegrityError

from .db import db
from .errors import ValidationError, json_object
from .models import Author, Book
from .pagination import page_payload, paginate, query_int

bp = Blueprint("books", __name__, url_prefix="/books")

MAX_TITLE_LENGTH = 200
ISBN_RE = re.compile(r"[0-9]{13}")
YEARS = range(1450, 2101)


def _is_int(value: Any) -> bool:
    # bool is a subclass of int in Python, but true is not a year or an id.
    return isinstance(value, int) and not isinstance(value, bool)


def _validated_book(body: dict[str, Any]) -> dict[str, Any]:
    """Return the book's fields from body, or raise ValidationError naming every bad one."""
    errors: dict[str, str] = {}
    title, isbn, year, author_id = (body.get(k) for k in ("title", "isbn", "year", "author_id"))
    if not isinstance(title, str) or not title.strip() or len(title.strip()) > MAX_TITLE_LENGTH:
        errors["title"] = f"must be a string of 1 to {MAX_TITLE_LENGTH} characters"
    if not isinstance(isbn, str) or not ISBN_RE.fullmatch(isbn):
        errors["isbn"] = "must be a string of exactly 13 digits"
    if not _is_int(year) or year not in YEARS:
        errors["year"] = f"must be an integer from {YEARS.start} to {YEARS.stop - 1}"
    if not _is_int(author_id):
        errors["author_id"] = "must be an integer"
    elif db.session.get(Author, author_id) is None:
        # SQLite does not enforce foreign keys unless asked to: check the author exists.
        errors["author_id"] = f"no author with id {author_id}"
    if errors:
        raise ValidationError(errors)
    return {"title": title.strip(), "isbn": isbn, "year": year, "author_id": author_id}


@bp.post("")
def create_book():
    """Create a book; 400 with field errors, 409 if the ISBN is taken."""
    book = Book(**_validated_book(json_object()))
    db.session.add(book)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        abort(409, f"a book with ISBN {book.isbn} already exists")
    location = url_for("books.get_book", book_id=book.id)
    return jsonify(book.to_dict()), 201, {"Location": location}


@bp.get("")
def list_books():
    """List books by id, optionally of one author, a page at a time."""
    select = db.select(Book).order_by(Book.id)
    author_id = query_int("author_id")
    if author_id is not None:
        select = select.filter_by(author_id=author_id)
    page = paginate(select)
    return jsonify(page_payload(page, [book.to_dict() for book in page.items]))


@bp.get("/<int:book_id>")
def get_book(book_id: int):
    """Return one book with its author."""
    book = db.get_or_404(Book, book_id, description=f"no book with id {book_id}")
    return jsonify(book.to_dict())


@bp.delete("/<int:book_id>")
def delete_book(book_id: int):
    """Delete a book."""
    book = db.get_or_404(Book, book_id, description=f"no book with id {book_id}")
    db.session.delete(book)
    db.session.commit()
    return "", 204
