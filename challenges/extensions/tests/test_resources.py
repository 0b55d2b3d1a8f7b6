"""Authors and books as REST resources, and the relationship between them."""

from __future__ import annotations

import pytest


@pytest.mark.visible
@pytest.mark.skill("relationships")
@pytest.mark.weight(3)
def test_book_shows_its_author(client, new_author, isbn):
    """POST /books returns 201 and the book, and GET /books/<id> embeds its author"""
    author = new_author()
    payload = {"title": "The Dispossessed", "isbn": isbn(), "year": 1974, "author_id": author["id"]}
    created = client.post("/books", json=payload)
    assert created.status_code == 201, f"POST /books returned {created.status_code}"
    book = created.get_json()
    assert (book["title"], book["isbn"], book["year"]) == (
        "The Dispossessed",
        payload["isbn"],
        1974,
    )
    assert book["author"] == {"id": author["id"], "name": author["name"]}
    fetched = client.get(f"/books/{book['id']}")
    assert fetched.status_code == 200
    assert fetched.get_json() == book


@pytest.mark.visible
@pytest.mark.skill("rest-api")
@pytest.mark.weight(2)
def test_missing_book_is_404_json(client):
    """GET /books/<id> for an id that does not exist answers 404 with a JSON error"""
    response = client.get("/books/987654321")
    assert response.status_code == 404, f"expected 404, got {response.status_code}"
    body = response.get_json()
    assert isinstance(body, dict) and body.get("error"), 'expected a JSON body {"error": ...}'


@pytest.mark.skill("rest-api")
@pytest.mark.weight(2)
def test_create_author_returns_201_and_location(client, author_name):
    """POST /authors answers 201 with the author and a Location header that serves it"""
    name = author_name()
    response = client.post("/authors", json={"name": name})
    assert response.status_code == 201, f"expected 201, got {response.status_code}"
    author = response.get_json()
    assert author["name"] == name and isinstance(author["id"], int)
    assert author["books"] == []
    location = response.headers.get("Location") or ""
    assert location.endswith(f"/authors/{author['id']}"), f"Location is {location!r}"
    assert client.get(f"/authors/{author['id']}").get_json() == author


@pytest.mark.skill("rest-api")
@pytest.mark.weight(1)
def test_create_book_sets_location(client, new_author, isbn):
    """POST /books answers 201 with a Location header that points at the new book"""
    author = new_author()
    payload = {"title": "Lavinia", "isbn": isbn(), "year": 2008, "author_id": author["id"]}
    response = client.post("/books", json=payload)
    assert response.status_code == 201
    location = response.headers.get("Location") or ""
    assert location.endswith(f"/books/{response.get_json()['id']}"), f"Location is {location!r}"


@pytest.mark.skill("relationships")
@pytest.mark.weight(2)
def test_author_lists_only_their_books_in_order(client, new_author, new_book):
    """GET /authors/<id> lists that author's books, and only theirs, in id order"""
    author, other = new_author(), new_author()
    books = [new_book(author["id"], title=f"Volume {n}", year=1970 + n) for n in range(3)]
    new_book(other["id"], title="Someone else's")
    response = client.get(f"/authors/{author['id']}")
    assert response.status_code == 200
    listed = response.get_json()["books"]
    assert [b["id"] for b in listed] == [b["id"] for b in books]
    assert [(b["title"], b["isbn"], b["year"]) for b in listed] == [
        (b["title"], b["isbn"], b["year"]) for b in books
    ]


@pytest.mark.skill("rest-api")
@pytest.mark.weight(2)
def test_delete_book(client, new_author, new_book):
    """DELETE /books/<id> answers 204, then the book is gone (404) and off its author's list"""
    author = new_author()
    kept, doomed = new_book(author["id"]), new_book(author["id"])
    response = client.delete(f"/books/{doomed['id']}")
    assert response.status_code == 204, f"expected 204, got {response.status_code}"
    assert client.get(f"/books/{doomed['id']}").status_code == 404
    listed = client.get(f"/authors/{author['id']}").get_json()["books"]
    assert [b["id"] for b in listed] == [kept["id"]]
    assert client.delete(f"/books/{doomed['id']}").status_code == 404, "second DELETE: not 404"


@pytest.mark.skill("rest-api")
@pytest.mark.weight(1)
def test_missing_author_is_404_json(client):
    """GET /authors/<id> for an id that does not exist answers 404 with a JSON error"""
    response = client.get("/authors/987654321")
    assert response.status_code == 404, f"expected 404, got {response.status_code}"
    body = response.get_json()
    assert isinstance(body, dict) and body.get("error"), 'expected a JSON body {"error": ...}'
