from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///library.sqlite"
db = SQLAlchemy(app)


class Author(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(100), unique=True)
    books = db.relationship("Book", backref="author")


class Book(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(200))
    isbn = db.Column(db.String(13), unique=True)
    year = db.Column(db.Integer)
    author_id = db.Column(db.Integer, db.ForeignKey("author.id"))


def book_json(book):
    return {"id": book.id, "title": book.title, "isbn": book.isbn, "year": book.year,
            "author": {"id": book.author.id, "name": book.author.name}}


@app.route("/authors", methods=["POST"])
def create_author():
    author = Author(name=request.json["name"])
    db.session.add(author)
    db.session.commit()
    return jsonify(id=author.id, name=author.name, books=[]), 201


@app.route("/authors/<int:author_id>")
def get_author(author_id):
    author = db.get_or_404(Author, author_id)
    return jsonify(id=author.id, name=author.name,
                   books=[{"id": b.id, "title": b.title, "isbn": b.isbn, "year": b.year}
                          for b in author.books])


@app.route("/books", methods=["POST"])
def create_book():
    data = request.json
    book = Book(title=data["title"], isbn=data["isbn"], year=data["year"],
                author_id=data["author_id"])
    db.session.add(book)
    db.session.commit()
    return jsonify(book_json(book)), 201


@app.route("/books")
def list_books():
    query = db.select(Book).order_by(Book.id)
    if "author_id" in request.args:
        query = query.filter_by(author_id=request.args["author_id"])
    page = db.paginate(query)
    return jsonify(items=[book_json(b) for b in page.items], page=page.page,
                   per_page=page.per_page, total=page.total, pages=page.pages,
                   next=page.next_num, prev=page.prev_num)


@app.route("/books/<int:book_id>")
def get_book(book_id):
    return jsonify(book_json(db.get_or_404(Book, book_id)))


@app.route("/books/<int:book_id>", methods=["DELETE"])
def delete_book(book_id):
    db.session.delete(db.get_or_404(Book, book_id))
    db.session.commit()
    return "", 204


with app.app_context():
    db.create_all()


def create_app():
    return app
