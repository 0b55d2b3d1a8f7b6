"""Request bodies are checked field by field: 400 with every bad field named, limits included."""

from __future__ import annotations

import random
import uuid

import pytest

pytestmark = [pytest.mark.skill("validation")]

UNKNOWN_AUTHOR_ID = 987654321


def _one_letter_name() -> str:
    """Return a 1-character name unlikely to be taken (a CJK ideograph at random)."""
    return chr(random.randint(0x4E00, 0x9FFF))


def _book(author_id: int, isbn: str, **fields) -> dict:
    payload = {"title": "The Lathe of Heaven", "isbn": isbn, "year": 1971, "author_id": author_id}
    payload.update(fields)
    return payload


# -- R3: author names ----------------------------------------------------------------------------


@pytest.mark.weight(2)
@pytest.mark.requirement("R3")
def test_author_name_length_limits(client, field_errors):
    """A name of 100 characters (or 1) is created; 101 characters is a 400 naming "name\""""
    stem = f"Name {uuid.uuid4().hex} "
    longest = stem + "x" * (100 - len(stem))
    for name in (longest, _one_letter_name()):
        response = client.post("/authors", json={"name": name})
        assert response.status_code == 201, (
            f"a {len(name)}-character name answered {response.status}, expected 201"
        )
        assert response.get_json().get("name") == name, "the name must be stored as given"
    too_long = stem + "y" * (101 - len(stem))
    errors = field_errors(client.post("/authors", json={"name": too_long}), "a 101-character name")
    assert "name" in errors, f"a 101-character name: errors were {errors!r}"


@pytest.mark.weight(1)
@pytest.mark.requirement("R3")
def test_author_name_is_stripped(client):
    """Surrounding spaces do not count: "  <100 characters>  " is created, stored stripped"""
    stem = f"Strip {uuid.uuid4().hex} "
    name = stem + "z" * (100 - len(stem))
    response = client.post("/authors", json={"name": f"  {name}  "})
    assert response.status_code == 201, (
        f"100 characters between spaces answered {response.status}, expected 201"
    )
    author = response.get_json()
    assert author.get("name") == name, f"the name must be stored stripped, got {author!r}"
    fetched = client.get(f"/authors/{author['id']}").get_json()
    assert fetched.get("name") == name, f"GET /authors/<id> shows {fetched.get('name')!r}"


@pytest.mark.weight(1)
@pytest.mark.requirement("R3")
def test_author_name_is_validated(client, field_errors):
    """POST /authors rejects a missing, empty, blank or non-string name, naming "name\""""
    for payload in (
        {},
        {"name": ""},
        {"name": "   "},
        {"name": 7},
        {"name": None},
        {"name": ["x"]},
    ):
        errors = field_errors(client.post("/authors", json=payload), f"POST /authors {payload!r}")
        assert "name" in errors, f"{payload!r}: errors were {errors!r}"


@pytest.mark.weight(1)
@pytest.mark.requirement("R3")
def test_names_with_quotes_are_stored_verbatim(client):
    """Names with quotes and SQL-looking text are stored and returned exactly as given"""
    suffix = uuid.uuid4().hex[:8]
    for name in (f"Flann O'Brien {suffix}", f'x"); DROP TABLE author; -- {suffix}'):
        response = client.post("/authors", json={"name": name})
        assert response.status_code == 201, f"the name {name!r} answered {response.status}"
        author = response.get_json()
        fetched = client.get(f"/authors/{author['id']}")
        assert fetched.status_code == 200, f"GET of the author {name!r} answered {fetched.status}"
        assert fetched.get_json().get("name") == name, f"the name {name!r} came back changed"


# -- R4 to R7: book fields -----------------------------------------------------------------------


@pytest.mark.weight(2)
@pytest.mark.requirement("R4")
def test_title_length_limits(client, new_author, isbn, field_errors):
    """A title of 200 characters (or 1, or 200 between spaces) is created; 201 is a 400"""
    author_id = new_author()["id"]
    for sent, stored in (("T" * 200, "T" * 200), ("t", "t"), ("  " + "s" * 200 + "  ", "s" * 200)):
        response = client.post("/books", json=_book(author_id, isbn(), title=sent))
        assert response.status_code == 201, (
            f"a title of {len(stored)} characters ({len(sent)} sent) answered {response.status}"
        )
        assert response.get_json().get("title") == stored, "the title must be stored stripped"
    for title in ("u" * 201, "", "   ", 42, None):
        label = f"title {title!r}" if not isinstance(title, str) else f"a {len(title)}-char title"
        errors = field_errors(
            client.post("/books", json=_book(author_id, isbn(), title=title)), label
        )
        assert set(errors) == {"title"}, f"{label}: only title is wrong, errors were {errors!r}"


@pytest.mark.weight(2)
@pytest.mark.requirement("R5")
def test_isbn_is_exactly_13_digits(client, new_author, isbn, field_errors):
    """isbn: a string of exactly 13 digits 0-9; 12, 14, hyphens, X, a number are a 400"""
    author_id = new_author()["id"]
    good = isbn()
    response = client.post("/books", json=_book(author_id, good))
    assert response.status_code == 201, f"the ISBN {good!r} answered {response.status}"
    assert response.get_json().get("isbn") == good
    fresh = isbn()
    arabic_indic = "".join(chr(0x0660 + int(d)) for d in fresh)
    for bad in (fresh[:12], fresh + "1", "978-0-06-05127", fresh[:12] + "X", arabic_indic):
        errors = field_errors(client.post("/books", json=_book(author_id, bad)), f"isbn {bad!r}")
        assert set(errors) == {"isbn"}, f"isbn {bad!r}: only isbn is wrong, errors were {errors!r}"
    errors = field_errors(client.post("/books", json=_book(author_id, int(fresh))), "isbn number")
    assert set(errors) == {"isbn"}, f"isbn as a JSON number: errors were {errors!r}"


@pytest.mark.weight(2)
@pytest.mark.requirement("R6")
def test_year_limits(client, new_author, isbn, field_errors):
    """year 1450 and 2100 are created; 1449, 2101, "1974", 1974.5 and true are a 400"""
    author_id = new_author()["id"]
    for year in (1450, 2100):
        response = client.post("/books", json=_book(author_id, isbn(), year=year))
        assert response.status_code == 201, f"year {year} answered {response.status}"
        assert response.get_json().get("year") == year
    for year in (1449, 2101, "1974", 1974.5, True, None):
        label = f"year {year!r}"
        errors = field_errors(
            client.post("/books", json=_book(author_id, isbn(), year=year)), label
        )
        assert set(errors) == {"year"}, f"{label}: only year is wrong, errors were {errors!r}"


@pytest.mark.weight(2)
@pytest.mark.requirement("R7")
def test_author_id_must_be_an_existing_author(client, new_author, isbn, field_errors):
    """author_id: an unknown id, "<id>", true or null is a 400 naming author_id"""
    author_id = new_author()["id"]
    for bad in (UNKNOWN_AUTHOR_ID, str(author_id), True, None, float(author_id) + 0.5):
        label = f"author_id {bad!r}"
        errors = field_errors(client.post("/books", json=_book(bad, isbn())), label)
        assert set(errors) == {"author_id"}, f"{label}: only author_id is wrong: {errors!r}"


@pytest.mark.weight(1)
@pytest.mark.requirement("R7", "R15")
def test_book_for_an_unknown_author_stores_nothing(client, isbn, field_errors):
    """POST /books with an author_id that does not exist answers 400 and stores nothing"""
    payload = _book(UNKNOWN_AUTHOR_ID, isbn())
    errors = field_errors(client.post("/books", json=payload), "an unknown author_id")
    assert "author_id" in errors, f"errors were {errors!r}"
    listing = client.get("/books", query_string={"author_id": UNKNOWN_AUTHOR_ID})
    assert listing.status_code == 200, f"step 2: GET /books?author_id= answered {listing.status}"
    assert listing.get_json()["total"] == 0, "step 2: the book was stored"


# -- R15: every bad field at once, bodies that are not objects -----------------------------------


@pytest.mark.weight(3)
@pytest.mark.requirement("R15")
def test_book_with_no_fields_names_every_missing_one(client, field_errors):
    """POST /books with {} answers 400 with an error for title, isbn, year and author_id"""
    errors = field_errors(client.post("/books", json={}), "POST /books {}")
    missing = {"title", "isbn", "year", "author_id"} - set(errors)
    assert not missing, f"no error for {sorted(missing)}"
    assert all(isinstance(m, str) and m for m in errors.values()), f"messages: {errors!r}"


@pytest.mark.weight(2)
@pytest.mark.requirement("R15")
def test_every_bad_field_is_named_at_once(client, new_author, field_errors):
    """A book with four bad values is one 400 naming all four, and nothing is stored"""
    author_id = new_author()["id"]
    payload = {"title": " ", "isbn": "97800605127", "year": 1449, "author_id": UNKNOWN_AUTHOR_ID}
    errors = field_errors(client.post("/books", json=payload), "four bad fields")
    assert set(errors) == {"title", "isbn", "year", "author_id"}, f"errors were {errors!r}"
    one_bad = {"title": "Ok", "isbn": "97800605127", "year": 2101, "author_id": author_id}
    errors = field_errors(client.post("/books", json=one_bad), "bad isbn and year")
    assert set(errors) == {"isbn", "year"}, f"errors were {errors!r}"
    listing = client.get("/books", query_string={"author_id": author_id})
    assert listing.status_code == 200 and listing.get_json()["total"] == 0, "a book was stored"


@pytest.mark.weight(1)
@pytest.mark.requirement("R15")
def test_body_must_be_a_json_object(client):
    """POST /authors and /books answer a JSON 400 to bodies that are not a JSON object"""
    json_type = {"Content-Type": "application/json"}
    cases = (
        ("malformed JSON", "{not json", json_type),
        ("a JSON list", '[{"name": "In a list"}]', json_type),
        ("a JSON string", '"Ursula"', json_type),
        ("no body", None, None),
    )
    for path in ("/authors", "/books"):
        for label, data, headers in cases:
            response = client.post(path, data=data, headers=headers)
            assert response.status_code == 400, f"{path} with {label}: got {response.status}"
            body = response.get_json()
            assert isinstance(body, dict) and (body.get("errors") or body.get("error")), (
                f"{path} with {label}: the 400 must be a JSON error, got {response.text[:120]!r}"
            )
