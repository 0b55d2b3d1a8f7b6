"""Authors and books as REST resources, the relationship between them, and JSON errors."""

from __future__ import annotations

import uuid

import pytest


@pytest.mark.visible
@pytest.mark.skill("relationships")
@pytest.mark.weight(3)
@pytest.mark.requirement("R10", "R11")
def test_book_shows_its_author(client, new_author, isbn):
    """POST /books returns 201 and the book, and GET /books/<id> embeds its author"""
    author = new_author()
    payload = {"title": "The Dispossessed", "isbn": isbn(), "year": 1974, "author_id": author["id"]}
    created = client.post("/books", json=payload)
    assert created.status_code == 201, f"step 1: POST /books returned {created.status}"
    book = created.get_json()
    assert isinstance(book, dict) and isinstance(book.get("id"), int), (
        f"step 1: POST /books must return the book with an integer id, got {book!r}"
    )
    assert book == {
        "id": book["id"],
        "title": "The Dispossessed",
        "isbn": payload["isbn"],
        "year": 1974,
        "author": {"id": author["id"], "name": author["name"]},
    }, f"step 1: POST /books returned {book!r}"
    fetched = client.get(f"/books/{book['id']}")
    assert fetched.status_code == 200, f"step 2: GET /books/<id> returned {fetched.status}"
    assert fetched.get_json() == book, "step 2: GET /books/<id> differs from what POST returned"


@pytest.mark.visible
@pytest.mark.skill("rest-api")
@pytest.mark.weight(2)
@pytest.mark.requirement("R11", "R16")
def test_missing_book_is_404_json(client, json_error):
    """GET /books/<id> for an id that does not exist answers 404 with a JSON error"""
    json_error(client.get("/books/987654321"), 404, "GET /books/987654321")


@pytest.mark.skill("rest-api")
@pytest.mark.weight(2)
@pytest.mark.requirement("R8", "R9")
def test_create_author_returns_201_and_location(client, author_name):
    """POST /authors answers 201 with the author and a Location header that serves it"""
    name = author_name()
    response = client.post("/authors", json={"name": name})
    assert response.status_code == 201, f"step 1: POST /authors returned {response.status}"
    assert response.mimetype == "application/json", f"step 1: got {response.content_type!r}"
    author = response.get_json()
    assert isinstance(author, dict) and isinstance(author.get("id"), int), (
        f"step 1: POST /authors must return the author with an integer id, got {author!r}"
    )
    assert author == {"id": author["id"], "name": name, "books": []}, f"step 1: got {author!r}"
    location = response.headers.get("Location") or ""
    assert location.endswith(f"/authors/{author['id']}"), f"step 1: Location is {location!r}"
    fetched = client.get(f"/authors/{author['id']}")
    assert fetched.status_code == 200, f"step 2: GET /authors/<id> returned {fetched.status}"
    assert fetched.get_json() == author, "step 2: GET /authors/<id> differs from what POST returned"


@pytest.mark.skill("rest-api")
@pytest.mark.weight(1)
@pytest.mark.requirement("R10")
def test_create_book_sets_location(client, new_author, isbn):
    """POST /books answers 201 with a Location header that points at the new book"""
    author = new_author()
    payload = {"title": "Lavinia", "isbn": isbn(), "year": 2008, "author_id": author["id"]}
    response = client.post("/books", json=payload)
    assert response.status_code == 201, f"POST /books returned {response.status}"
    location = response.headers.get("Location") or ""
    assert location.endswith(f"/books/{response.get_json()['id']}"), f"Location is {location!r}"


@pytest.mark.skill("relationships")
@pytest.mark.weight(2)
@pytest.mark.requirement("R9")
def test_author_lists_only_their_books_in_order(client, new_author, new_book):
    """GET /authors/<id> lists that author's books, and only theirs, in id order"""
    author, other = new_author(), new_author()
    books = [new_book(author["id"], title=f"Volume {n}", year=1970 + n) for n in range(3)]
    new_book(other["id"], title="Someone else's")
    response = client.get(f"/authors/{author['id']}")
    assert response.status_code == 200, f"GET /authors/<id> returned {response.status}"
    assert response.get_json() == {
        "id": author["id"],
        "name": author["name"],
        "books": [{k: b[k] for k in ("id", "title", "isbn", "year")} for b in books],
    }, "the author must list exactly their books, as {id, title, isbn, year}, in id order"


@pytest.mark.skill("rest-api")
@pytest.mark.weight(2)
@pytest.mark.requirement("R12")
def test_delete_book(client, new_author, new_book):
    """DELETE /books/<id> answers 204, then the book is gone (404) and off its author's list"""
    author = new_author()
    kept, doomed = new_book(author["id"]), new_book(author["id"])
    response = client.delete(f"/books/{doomed['id']}")
    assert response.status_code == 204, f"step 1: DELETE answered {response.status}"
    assert response.data == b"", f"step 1: a 204 has an empty body, got {response.data[:80]!r}"
    gone = client.get(f"/books/{doomed['id']}")
    assert gone.status_code == 404, f"step 2: GET of the deleted book answered {gone.status}"
    listed = client.get(f"/authors/{author['id']}").get_json()["books"]
    assert [b["id"] for b in listed] == [kept["id"]], "step 3: the author still lists it"
    again = client.delete(f"/books/{doomed['id']}")
    assert again.status_code == 404, f"step 4: a second DELETE answered {again.status}"


@pytest.mark.skill("rest-api")
@pytest.mark.weight(1)
@pytest.mark.requirement("R12", "R16")
def test_delete_unknown_book_is_404_json(client, json_error):
    """DELETE /books/<id> for an id that does not exist answers 404 with a JSON error"""
    json_error(client.delete("/books/987654322"), 404, "DELETE /books/987654322")


@pytest.mark.skill("rest-api")
@pytest.mark.weight(1)
@pytest.mark.requirement("R9", "R16")
def test_missing_author_is_404_json(client, json_error):
    """GET /authors/<id> for an id that does not exist answers 404 with a JSON error"""
    json_error(client.get("/authors/987654321"), 404, "GET /authors/987654321")


@pytest.mark.skill("rest-api")
@pytest.mark.weight(1)
@pytest.mark.requirement("R16")
def test_other_errors_are_json(client, json_error):
    """An unknown URL (404) and a method the URL does not allow (405) answer a JSON error"""
    json_error(client.get(f"/nowhere-{uuid.uuid4().hex}"), 404, "GET of an unknown URL")
    json_error(client.delete("/authors/1"), 405, "DELETE /authors/1")
    json_error(client.put("/books"), 405, "PUT /books")
