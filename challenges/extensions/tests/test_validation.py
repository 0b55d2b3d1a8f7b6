"""Request bodies are checked field by field: 400 with every bad field named."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.skill("validation")]


def _field_errors(response) -> dict:
    assert response.status_code == 400, f"expected 400, got {response.status_code}"
    body = response.get_json()
    assert isinstance(body, dict) and isinstance(body.get("errors"), dict), (
        f'expected a JSON body {{"errors": {{field: message}}}}, got {body!r}'
    )
    return body["errors"]


@pytest.mark.weight(3)
def test_book_with_no_fields_names_every_missing_one(client):
    """POST /books with {} answers 400 with an error for title, isbn, year and author_id"""
    errors = _field_errors(client.post("/books", json={}))
    missing = {"title", "isbn", "year", "author_id"} - set(errors)
    assert not missing, f"no error for {sorted(missing)}"


@pytest.mark.weight(2)
def test_book_fields_of_the_wrong_type_are_rejected(client, new_author, isbn):
    """POST /books rejects a field of the wrong type or shape, naming that field"""
    author_id = new_author()["id"]
    bad_values = [
        ("title", 42),
        ("title", "   "),
        ("isbn", 9780060512750),
        ("isbn", "978-0-06-051275-0"),
        ("year", "1974"),
        ("year", 1974.5),
        ("year", True),
        ("author_id", str(author_id)),
        ("author_id", True),  # a bool is an int in Python, and True == 1
    ]
    for field, value in bad_values:
        payload = {"title": "The Lathe of Heaven", "isbn": isbn(), "year": 1971}
        payload["author_id"] = author_id
        payload[field] = value
        errors = _field_errors(client.post("/books", json=payload))
        assert field in errors, f"{field}={value!r}: errors were {errors!r}"


@pytest.mark.weight(2)
def test_book_for_an_unknown_author_is_rejected(client, isbn):
    """POST /books with an author_id that does not exist answers 400 and stores nothing"""
    payload = {"title": "Orphan", "isbn": isbn(), "year": 2001, "author_id": 987654321}
    errors = _field_errors(client.post("/books", json=payload))
    assert "author_id" in errors, f"errors were {errors!r}"
    listing = client.get("/books", query_string={"author_id": 987654321})
    assert listing.status_code == 200 and listing.get_json()["total"] == 0, "the book was stored"


@pytest.mark.weight(1)
def test_author_name_is_validated(client):
    """POST /authors rejects a missing, blank, non-string or over-100-character name"""
    for payload in ({}, {"name": ""}, {"name": "   "}, {"name": 7}, {"name": "x" * 101}):
        errors = _field_errors(client.post("/authors", json=payload))
        assert "name" in errors, f"{payload!r}: errors were {errors!r}"


@pytest.mark.weight(1)
def test_body_must_be_a_json_object(client):
    """POST /authors and /books answer 400 to malformed JSON and to JSON that is not an object"""
    for path in ("/authors", "/books"):
        broken = client.post(path, data="{not json", headers={"Content-Type": "application/json"})
        assert broken.status_code == 400, f"{path} malformed JSON: got {broken.status_code}"
        listed = client.post(path, json=[{"name": "In a list"}])
        assert listed.status_code == 400, f"{path} JSON array: got {listed.status_code}"
