"""Unique constraints: duplicates are a 409 conflict, never a 500 or a second record."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.skill("integrity")]


@pytest.mark.weight(3)
def test_duplicate_isbn_is_409_and_keeps_the_first_book(client, new_author, new_book):
    """A second POST /books with a taken ISBN answers 409 and the first book is unchanged"""
    author = new_author()
    first = new_book(author["id"], title="The Word for World Is Forest")
    payload = {"title": "Impostor", "isbn": first["isbn"], "year": 1999, "author_id": author["id"]}
    response = client.post("/books", json=payload)
    assert response.status_code == 409, f"expected 409, got {response.status_code}"
    body = response.get_json()
    assert isinstance(body, dict) and body.get("error"), 'expected a JSON body {"error": ...}'
    assert client.get(f"/books/{first['id']}").get_json()["title"] == first["title"]
    listed = client.get(f"/authors/{author['id']}").get_json()["books"]
    assert [b["id"] for b in listed] == [first["id"]], "the duplicate was stored"


@pytest.mark.weight(2)
def test_duplicate_author_name_is_409(client, author_name):
    """A second POST /authors with a taken name answers 409 with a JSON error"""
    name = author_name()
    assert client.post("/authors", json={"name": name}).status_code == 201
    response = client.post("/authors", json={"name": name})
    assert response.status_code == 409, f"expected 409, got {response.status_code}"
    body = response.get_json()
    assert isinstance(body, dict) and body.get("error"), 'expected a JSON body {"error": ...}'
