"""The catalogue's tables: an author has many books."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import db


class Author(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    books: Mapped[list[Book]] = relationship(back_populates="author", order_by="Book.id")

    def to_dict(self) -> dict[str, object]:
        """Return the author with their books, oldest record first."""
        return {
            "id": self.id,
            "name": self.name,
            "books": [book.to_dict(with_author=False) for book in self.books],
        }


class Book(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    isbn: Mapped[str] = mapped_column(String(13), unique=True)
    year: Mapped[int]
    author_id: Mapped[int] = mapped_column(ForeignKey("author.id"), index=True)
    author: Mapped[Author] = relationship(back_populates="books")

    def to_dict(self, *, with_author: bool = True) -> dict[str, object]:
        """Return the book, with its author's id and name unless asked not to."""
        data: dict[str, object] = {
            "id": self.id,
            "title": self.title,
            "isbn": self.isbn,
            "year": self.year,
        }
        if with_author:
            data["author"] = {"id": self.author.id, "name": self.author.name}
        return data
