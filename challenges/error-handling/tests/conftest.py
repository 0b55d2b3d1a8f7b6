"""Helpers for the hidden suite: read error pages and JSON errors that arrive over HTTP.

Nothing here imports or runs the submission.
"""

from __future__ import annotations

import uuid
from html.parser import HTMLParser

import pytest

# Strings that only an exception's internals could put in a response.
LEAK_MARKERS = (
    "Traceback",
    'File "',
    "ConnectionError",
    "could not connect",
    "connection refused",
    "hunter2",
    "acme_carriers",
    "postgresql://",
    "10.0.3.7",
    "carriers.py",
    "__debugger__",
    "Werkzeug Debugger",
)


class PageFacts(HTMLParser):
    """The <h1> texts and link targets of an HTML page."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.h1: list[str] = []
        self.hrefs: list[str] = []
        self._in_h1 = False
        self._h1_text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "h1":
            self._in_h1, self._h1_text = True, []
        elif tag == "a":
            self.hrefs.extend(value or "" for name, value in attrs if name == "href")

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1" and self._in_h1:
            self._in_h1 = False
            self.h1.append(" ".join("".join(self._h1_text).split()))

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self._h1_text.append(data)


def leaks(text: str) -> list[str]:
    """Return the internal details found in a response body."""
    return [marker for marker in LEAK_MARKERS if marker in text]


def assert_json_error(resp, status: int, message: str | None = None) -> dict:
    """Check a JSON error: the status, application/json, and {"error": str, "status": int}."""
    assert resp.status_code == status, f"got {resp.status}, expected {status}"
    assert resp.mimetype == "application/json", f"got Content-Type {resp.content_type!r}"
    body = resp.get_json()
    assert isinstance(body, dict), "the body is not a JSON object"
    assert body.get("status") == status, f'"status" is {body.get("status")!r}, expected {status}'
    error = body.get("error")
    assert isinstance(error, str) and error.strip(), f'"error" must be a message, got {error!r}'
    if message is not None:
        assert error == message, f'"error" is {error!r}, expected {message!r}'
    return body


def assert_friendly_page(resp, status: int, heading: str | None = None) -> PageFacts:
    """Check an HTML error page: the status, text/html, a link home, the <h1> when given."""
    assert resp.status_code == status, f"got {resp.status}, expected {status}"
    assert resp.mimetype == "text/html", f"got Content-Type {resp.content_type!r}, expected HTML"
    page = PageFacts(resp.text)
    if heading is not None:
        assert page.h1 == [heading], f"expected <h1>{heading}</h1>, found {page.h1}"
    assert "/" in page.hrefs, 'the page should link back home (<a href="/">)'
    return page


def allowed_methods(resp) -> set[str]:
    """The methods an Allow header names, upper-cased ({} when there is no Allow header)."""
    return {m.strip().upper() for m in (resp.headers.get("Allow") or "").split(",") if m.strip()}


def new_parcel(client, recipient: str | None = None, weight_kg: float = 2.5) -> dict:
    """Register a parcel through the API and return its JSON."""
    recipient = recipient or f"Ann {uuid.uuid4().hex[:8]}"
    resp = client.post("/api/parcels", json={"recipient": recipient, "weight_kg": weight_kg})
    assert resp.status_code == 201, (
        f"setup: registering a parcel (POST /api/parcels) answered {resp.status}, expected 201"
    )
    body = resp.get_json()
    assert isinstance(body, dict) and isinstance(body.get("code"), str), (
        'setup: POST /api/parcels answered no parcel with a "code"'
    )
    return body


@pytest.fixture
def parcel(client) -> dict:
    """A freshly registered parcel."""
    return new_parcel(client)


@pytest.fixture
def json_error():
    """assert_json_error(resp, status, message=None), as a fixture."""
    return assert_json_error


@pytest.fixture
def find_leaks():
    """leaks(text) -> the internal details found in it, as a fixture."""
    return leaks


@pytest.fixture
def register(client):
    """register(recipient=None, weight_kg=2.5) -> the new parcel's JSON, as a fixture."""
    return lambda recipient=None, weight_kg=2.5: new_parcel(client, recipient, weight_kg)


@pytest.fixture
def friendly_page():
    """assert_friendly_page(resp, status, heading=None), as a fixture."""
    return assert_friendly_page


@pytest.fixture
def allow():
    """allowed_methods(resp) -> the set of methods its Allow header names, as a fixture."""
    return allowed_methods


@pytest.fixture
def page_facts():
    """PageFacts(html) -> .h1 and .hrefs of a page, as a fixture."""
    return PageFacts
