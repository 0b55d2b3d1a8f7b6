from .extensions import db


class Author(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(100), unique=True, nullable=False)
    books = db.relationship("Book", backref="author", order_by="Book.id", lazy=True)

    def to_dict(self):
        return {
            "id": self.id,
            "name": self.name,
            "books": [
                {"id": b.id, "title": b.title, "isbn": b.isbn, "year": b.year} for b in self.books
            ],
        }


class Book(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(200), nullable=False)
    isbn = db.Column(db.String(13), unique=True, nullable=False)
    year = db.Column(db.Integer, nullable=False)
    author_id = db.Column(db.Integer, db.ForeignKey("author.id"), nullable=False)

    def to_dict(self):
        return {
            "id": self.id,
            "title": self.title,
            "isbn": self.isbn,
            "year": self.year,
            "author": {"id": self.author.id, "name": self.author.name},
        }
