from extensions import db


class Author(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(100), unique=True, nullable=False)
    books = db.relationship("Book", back_populates="author", order_by="Book.id")

    def to_dict(self, include_books=True):
        data = {"id": self.id, "name": self.name}
        if include_books:
            data["books"] = [b.to_dict(include_author=False) for b in self.books]
        return data


class Book(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(200), nullable=False)
    isbn = db.Column(db.String(13), unique=True, nullable=False)
    year = db.Column(db.Integer, nullable=False)
    author_id = db.Column(db.Integer, db.ForeignKey("author.id"), nullable=False)
    author = db.relationship("Author", back_populates="books")

    def to_dict(self, include_author=True):
        data = {"id": self.id, "title": self.title, "isbn": self.isbn, "year": self.year}
        if include_author:
            data["author"] = self.author.to_dict(include_books=False)
        return data
