"""Unique constraints: duplicates are a 409 conflict, never a 500 or a second record."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.skill("integrity")]


@pytest.mark.weight(5)
@pytest.mark.requirement("R13")
@pytest.mark.hint("A duplicate must be refused as a conflict, not crash the app.")
def test_duplicate_isbn_is_409(client, new_author, new_book, json_error):
    """A second POST /books with a taken ISBN answers 409 with a JSON error, not a 500"""
    author = new_author()
    first = new_book(author["id"], title="The Word for World Is Forest")
    payload = {"title": "Impostor", "isbn": first["isbn"], "year": 1999, "author_id": author["id"]}
    json_error(client.post("/books", json=payload), 409, "POST /books with a taken ISBN")


@pytest.mark.weight(4)
@pytest.mark.requirement("R13")
def test_duplicate_author_name_is_409(client, author_name, json_error):
    """A second POST /authors with a taken name answers 409 with a JSON error, not a 500"""
    name = author_name()
    first = client.post("/authors", json={"name": name})
    assert first.status_code == 201, f"step 1: the first POST /authors answered {first.status}"
    again = client.post("/authors", json={"name": name})
    json_error(again, 409, "step 2: POST /authors with a taken name")


@pytest.mark.weight(1)
@pytest.mark.requirement("R3", "R13")
def test_name_taken_once_stripped_is_409(client, author_name, json_error):
    """Names are compared once stripped: " <taken name> " is a 409 too"""
    name = author_name()
    first = client.post("/authors", json={"name": name})
    assert first.status_code == 201, f"step 1: the first POST /authors answered {first.status}"
    again = client.post("/authors", json={"name": f"  {name}  "})
    json_error(again, 409, "step 2: POST /authors with the taken name between spaces")


@pytest.mark.weight(2)
@pytest.mark.requirement("R13")
@pytest.mark.hint("After a database error, the app must serve the next request normally.")
def test_the_app_keeps_working_after_a_conflict(client, author_name, new_author, new_book):
    """After a 409 (a rolled-back insert), the next valid POSTs succeed"""
    author = new_author()
    first = new_book(author["id"])
    payload = {"title": "Dup", "isbn": first["isbn"], "year": 2000, "author_id": author["id"]}
    conflict = client.post("/books", json=payload)
    assert conflict.status_code == 409, f"step 1: the duplicate ISBN answered {conflict.status}"
    name = author_name()
    after = client.post("/authors", json={"name": name})
    assert after.status_code == 201, f"step 2: a valid POST /authors then answered {after.status}"
    book = new_book(author["id"])
    listed = client.get(f"/authors/{author['id']}").get_json()["books"]
    assert [b["id"] for b in listed] == [first["id"], book["id"]], (
        "step 3: the author must list the first book and the one created after the conflict"
    )


@pytest.mark.weight(2)
@pytest.mark.requirement("R14")
def test_duplicate_isbn_is_never_stored(client, new_author, new_book):
    """After a duplicate ISBN, the first book is unchanged and its author lists only it"""
    author = new_author()
    first = new_book(author["id"], title="The Word for World Is Forest")
    payload = {"title": "Impostor", "isbn": first["isbn"], "year": 1999, "author_id": author["id"]}
    response = client.post("/books", json=payload)
    assert response.status_code != 201, "step 1: the duplicate ISBN was stored (201)"
    fetched = client.get(f"/books/{first['id']}")
    assert fetched.status_code == 200, f"step 2: GET of the first book answered {fetched.status}"
    assert fetched.get_json() == first, "step 2: the duplicate changed the first book"
    listed = client.get(f"/authors/{author['id']}").get_json()["books"]
    assert [b["id"] for b in listed] == [first["id"]], "step 3: the duplicate was stored"


@pytest.mark.weight(2)
@pytest.mark.requirement("R14")
def test_duplicate_name_is_never_stored(client, author_name):
    """After a duplicate name, no second author exists and the first is unchanged"""
    name = author_name()
    first = client.post("/authors", json={"name": name})
    assert first.status_code == 201, f"step 1: the first POST /authors answered {first.status}"
    author = first.get_json()
    again = client.post("/authors", json={"name": name})
    assert again.status_code != 201, "step 2: a second author with the same name was stored"
    fetched = client.get(f"/authors/{author['id']}")
    assert fetched.status_code == 200, f"step 3: GET of the first author answered {fetched.status}"
    assert fetched.get_json() == author, "step 3: the duplicate changed the first author"
