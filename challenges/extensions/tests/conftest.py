"""Fixtures shared by the catalogue suite: authors and books with unique names, over HTTP."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import pytest


def unique_isbn() -> str:
    """Return a fresh 13-digit ISBN-like string."""
    return f"{uuid.uuid4().int % 10**13:013d}"


@pytest.fixture
def isbn():
    """Return a function that makes a fresh 13-digit ISBN."""
    return unique_isbn


@pytest.fixture
def author_name():
    """Return a function that makes a fresh author name."""
    return lambda: f"Author {uuid.uuid4().hex[:12]}"


@pytest.fixture
def new_author(client, author_name):
    """Create an author over HTTP; return its JSON."""

    def _new_author() -> dict:
        response = client.post("/authors", json={"name": author_name()})
        assert response.status_code == 201, (
            f"setup: POST /authors with a valid name returned {response.status}"
        )
        body = response.get_json()
        assert isinstance(body, dict) and isinstance(body.get("id"), int), (
            f"setup: POST /authors must return the author with an integer id, got {body!r}"
        )
        return body

    return _new_author


@pytest.fixture
def new_book(client):
    """Create a book for an author over HTTP; return its JSON."""

    def _new_book(author_id: int, **fields) -> dict:
        payload = {"title": "A Wizard of Earthsea", "isbn": unique_isbn(), "year": 1968}
        payload.update(fields, author_id=author_id)
        response = client.post("/books", json=payload)
        assert response.status_code == 201, (
            f"setup: POST /books with a valid book returned {response.status}"
        )
        body = response.get_json()
        assert isinstance(body, dict) and isinstance(body.get("id"), int), (
            f"setup: POST /books must return the book with an integer id, got {body!r}"
        )
        return body

    return _new_book


@pytest.fixture
def relative():
    """Return a function turning a link from the API (absolute or not) into path?query."""

    def _relative(link: str) -> str:
        parts = urlsplit(link)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    return _relative


@pytest.fixture
def field_errors():
    """Return a function checking a 400 {"errors": {field: message}} and returning the dict."""

    def _field_errors(response, label: str) -> dict:
        assert response.status_code == 400, f"{label}: expected 400, got {response.status}"
        assert response.mimetype == "application/json", (
            f"{label}: the 400 must be JSON, got Content-Type {response.content_type!r}"
        )
        body = response.get_json()
        assert isinstance(body, dict) and isinstance(body.get("errors"), dict), (
            f'{label}: expected a body {{"errors": {{field: message}}}}, got {body!r}'
        )
        return body["errors"]

    return _field_errors


@pytest.fixture
def json_error():
    """Return a function checking a JSON {"error": "<message>"} with the given status."""

    def _json_error(response, status: int, label: str) -> dict:
        assert response.status_code == status, f"{label}: expected {status}, got {response.status}"
        assert response.mimetype == "application/json", (
            f"{label}: the {status} must be JSON, got Content-Type {response.content_type!r}"
        )
        body = response.get_json()
        assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], (
            f'{label}: expected a body {{"error": "<message>"}}, got {body!r}'
        )
        return body

    return _json_error
