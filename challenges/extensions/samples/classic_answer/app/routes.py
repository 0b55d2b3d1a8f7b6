import re

from flask import Blueprint, abort, jsonify, request, url_for
from sqlalchemy.exc import IntegrityError

from .errors import ValidationError
from .extensions import db
from .models import Author, Book

api = Blueprint("api", __name__)


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def get_json_object():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError({"body": "must be a JSON object"})
    return data


@api.post("/authors")
def create_author():
    data = get_json_object()
    name = data.get("name")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 100:
        raise ValidationError({"name": "must be 1 to 100 characters"})
    author = Author(name=name.strip())
    db.session.add(author)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        abort(409, "an author with that name already exists")
    return jsonify(author.to_dict()), 201, {"Location": url_for("api.get_author", id=author.id)}


@api.get("/authors/<int:id>")
def get_author(id):
    return jsonify(db.get_or_404(Author, id).to_dict())


@api.post("/books")
def create_book():
    data = get_json_object()
    errors = {}
    title = data.get("title")
    if not isinstance(title, str) or not 1 <= len(title.strip()) <= 200:
        errors["title"] = "must be 1 to 200 characters"
    isbn = data.get("isbn")
    if not isinstance(isbn, str) or not re.fullmatch(r"[0-9]{13}", isbn):
        errors["isbn"] = "must be 13 digits"
    year = data.get("year")
    if not is_int(year) or not 1450 <= year <= 2100:
        errors["year"] = "must be an integer from 1450 to 2100"
    author_id = data.get("author_id")
    if not is_int(author_id) or db.session.get(Author, author_id) is None:
        errors["author_id"] = "must be the id of an existing author"
    if errors:
        raise ValidationError(errors)
    book = Book(title=title.strip(), isbn=isbn, year=year, author_id=author_id)
    db.session.add(book)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        abort(409, f"a book with ISBN {isbn} already exists")
    return jsonify(book.to_dict()), 201, {"Location": url_for("api.get_book", id=book.id)}


@api.get("/books")
def list_books():
    page = request.args.get("page", 1, type=int)
    per_page = request.args.get("per_page", 10, type=int)
    author_id = request.args.get("author_id", type=int)

    query = db.select(Book).order_by(Book.id)
    if author_id is not None:
        query = query.filter_by(author_id=author_id)
    pagination = db.paginate(query, page=page, per_page=per_page)

    def link(number):
        if number is None:
            return None
        args = {"page": number, "per_page": per_page}
        if author_id is not None:
            args["author_id"] = author_id
        return url_for("api.list_books", **args)

    return jsonify(
        items=[book.to_dict() for book in pagination.items],
        page=pagination.page,
        per_page=pagination.per_page,
        total=pagination.total,
        pages=pagination.pages,
        next=link(pagination.next_num),
        prev=link(pagination.prev_num),
    )


@api.get("/books/<int:id>")
def get_book(id):
    return jsonify(db.get_or_404(Book, id).to_dict())


@api.delete("/books/<int:id>")
def delete_book(id):
    book = db.get_or_404(Book, id)
    db.session.delete(book)
    db.session.commit()
    return "", 204
