import os
import re

from flask import Flask, abort, jsonify, request, url_for
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from extensions import db
from models import Author, Book

MAX_PER_PAGE = 50


def validate_book(data):
    errors = {}
    title = data.get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > 200:
        errors["title"] = "title is required (1-200 characters)"
    isbn = data.get("isbn")
    if not isinstance(isbn, str) or not re.fullmatch(r"\d{13}", isbn):
        errors["isbn"] = "isbn must be 13 digits"
    year = data.get("year")
    if not isinstance(year, int) or not 1450 <= year <= 2100:
        errors["year"] = "year must be an integer between 1450 and 2100"
    author_id = data.get("author_id")
    if not isinstance(author_id, int):
        errors["author_id"] = "author_id must be an integer"
    elif db.session.get(Author, author_id) is None:
        errors["author_id"] = "author does not exist"
    return errors


def get_int_arg(name, default):
    value = request.args.get(name, default)
    try:
        value = int(value)
    except ValueError:
        abort(400, f"{name} must be an integer")
    if value < 1:
        abort(400, f"{name} must be >= 1")
    return value


def create_app():
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "library.sqlite")
    db.init_app(app)
    with app.app_context():
        db.create_all()

    @app.errorhandler(HTTPException)
    def handle_http_error(e):
        return jsonify(error=e.description), e.code

    def json_body():
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            abort(400, "request body must be a JSON object")
        return data

    @app.post("/authors")
    def create_author():
        data = json_body()
        name = data.get("name")
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > 100:
            return jsonify(errors={"name": "name is required (1-100 characters)"}), 400
        author = Author(name=name.strip())
        db.session.add(author)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            abort(409, "author already exists")
        return jsonify(author.to_dict()), 201, {"Location": url_for("get_author", author_id=author.id)}

    @app.get("/authors/<int:author_id>")
    def get_author(author_id):
        return jsonify(db.get_or_404(Author, author_id).to_dict())

    @app.post("/books")
    def create_book():
        data = json_body()
        errors = validate_book(data)
        if errors:
            return jsonify(errors=errors), 400
        book = Book(title=data["title"].strip(), isbn=data["isbn"], year=data["year"],
                    author_id=data["author_id"])
        db.session.add(book)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            abort(409, "a book with this ISBN already exists")
        return jsonify(book.to_dict()), 201, {"Location": url_for("get_book", book_id=book.id)}

    @app.get("/books")
    def list_books():
        page = get_int_arg("page", 1)
        per_page = min(get_int_arg("per_page", 10), MAX_PER_PAGE)
        query = db.select(Book).order_by(Book.id)
        author_id = request.args.get("author_id", type=int)
        if author_id is not None:
            query = query.filter_by(author_id=author_id)
        pagination = db.paginate(query, page=page, per_page=per_page)
        return jsonify(
            items=[b.to_dict() for b in pagination.items],
            page=pagination.page,
            per_page=pagination.per_page,
            total=pagination.total,
            pages=pagination.pages,
            next=url_for("list_books", page=pagination.next_num, per_page=per_page)
            if pagination.has_next else None,
            prev=url_for("list_books", page=pagination.prev_num, per_page=per_page)
            if pagination.has_prev else None,
        )

    @app.get("/books/<int:book_id>")
    def get_book(book_id):
        return jsonify(db.get_or_404(Book, book_id).to_dict())

    @app.delete("/books/<int:book_id>")
    def delete_book(book_id):
        book = db.get_or_404(Book, book_id)
        db.session.delete(book)
        db.session.commit()
        return "", 204

    return app
