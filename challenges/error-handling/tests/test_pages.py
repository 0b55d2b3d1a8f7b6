"""Hidden suite for error-handling: HTML pages get friendly error pages that leak nothing."""

from __future__ import annotations

import ast
import uuid

import pytest


def _uid() -> str:
    return uuid.uuid4().hex[:10]


@pytest.mark.weight(1)
@pytest.mark.skill("status-codes")
@pytest.mark.requirement("R1")
def test_parcel_page_shows_the_parcel(client, parcel):
    """GET /parcels/<code> answers 200 text/html naming the parcel and its status."""
    resp = client.get(f"/parcels/{parcel['code']}")
    assert resp.status_code == 200, f"got {resp.status}"
    assert resp.mimetype == "text/html", f"got Content-Type {resp.content_type!r}"
    assert parcel["code"] in resp.text and "registered" in resp.text, (
        "the page does not show the parcel's code and status"
    )


@pytest.mark.weight(2)
@pytest.mark.skill("error-pages")
@pytest.mark.requirement("R12", "R17", "R18")
def test_unknown_page_is_a_friendly_404(client, friendly_page):
    """An unknown URL answers 404 text/html with <h1>Page not found</h1> and a link home."""
    friendly_page(client.get(f"/no-such-page-{_uid()}"), 404, "Page not found")


@pytest.mark.weight(2)
@pytest.mark.skill("error-pages")
@pytest.mark.requirement("R18", "R17")
def test_unknown_parcel_page_is_a_friendly_404(client, friendly_page):
    """GET /parcels/<unknown> answers the same friendly HTML 404 page (not JSON)."""
    friendly_page(client.get(f"/parcels/NOPE{_uid()}"), 404, "Page not found")


@pytest.mark.weight(1)
@pytest.mark.skill("error-pages")
@pytest.mark.requirement("R18", "R17")
def test_unknown_carrier_page_is_a_friendly_404(client, friendly_page):
    """GET /carriers/<unknown> answers the friendly HTML 404 page (not JSON)."""
    friendly_page(client.get(f"/carriers/c{_uid()}"), 404, "Page not found")


@pytest.mark.weight(2)
@pytest.mark.skill("error-pages")
@pytest.mark.requirement("R19", "R17")
def test_crash_on_a_page_is_a_friendly_500(client, friendly_page):
    """A crash on an HTML page answers 500 text/html with <h1>Something went wrong</h1>."""
    friendly_page(client.get("/carriers/acme"), 500, "Something went wrong")


@pytest.mark.weight(2)  # Flask's default 500 leaks nothing; a leak costs the manifest's cap
@pytest.mark.skill("no-leaks")
@pytest.mark.requirement("R20")
def test_crash_on_a_page_leaks_nothing(client, find_leaks):
    """The 500 page shows no traceback, exception, file path or connection string."""
    resp = client.get("/carriers/acme")
    assert resp.status_code == 500, f"got {resp.status}"
    everything = resp.text + "\n".join(f"{k}: {v}" for k, v in resp.headers.items())
    assert not find_leaks(everything), f"the 500 page leaks internals: {find_leaks(everything)}"


@pytest.mark.weight(1)
@pytest.mark.skill("error-pages")
@pytest.mark.requirement("R9", "R17")
def test_unavailable_carrier_page_is_an_html_503(client, friendly_page):
    """GET /carriers/slowpost answers a 503 HTML page with Retry-After: 120."""
    resp = client.get("/carriers/slowpost")
    friendly_page(resp, 503)
    assert resp.headers.get("Retry-After") == "120", (
        f"Retry-After is {resp.headers.get('Retry-After')!r}, expected '120'"
    )


@pytest.mark.weight(1)
@pytest.mark.skill("status-codes")
@pytest.mark.requirement("R1")
def test_errors_do_not_break_later_requests(client, register):
    """After crashes and errors, the app keeps answering normally."""
    client.get("/api/carriers/acme/status")
    client.get("/carriers/acme")
    client.post("/api/parcels", data="{", headers={"Content-Type": "application/json"})
    created = register()
    resp = client.get(f"/parcels/{created['code']}")
    assert resp.status_code == 200, f"after the errors, the parcel's page answered {resp.status}"


def _exception_classes(tree: ast.Module) -> dict[str, list[str]]:
    return {
        node.name: [getattr(b, "id", getattr(b, "attr", "")) for b in node.bases]
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    }


def _handled_names(tree: ast.Module) -> set[str]:
    """Names passed to errorhandler(...) or register_error_handler(...)."""
    names = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"errorhandler", "register_error_handler", "app_errorhandler"}
            and node.args
        ):
            first = node.args[0]
            names.add(getattr(first, "id", getattr(first, "attr", "")))
    return names


@pytest.mark.weight(1)
@pytest.mark.skill("custom-exceptions")
@pytest.mark.requirement("R5")
def test_custom_exceptions_are_mapped_by_an_error_handler(source):
    """The app defines its own exception class(es) and maps them with an error handler."""
    classes: dict[str, list[str]] = {}
    handled: set[str] = set()
    for path in source.python_files():
        tree = source.ast(path)
        classes |= _exception_classes(tree)
        handled |= _handled_names(tree)

    def is_exception(name: str, seen: frozenset = frozenset()) -> bool:
        if name.endswith(("Exception", "Error")) and name not in classes:
            return True  # a built-in or library exception
        return name not in seen and any(
            is_exception(base, seen | {name}) for base in classes.get(name, [])
        )

    own = {name for name in classes if is_exception(name)}
    assert own, "no exception class of your own (class ...(Exception)) was found"
    assert own & handled, f"none of {sorted(own)} is registered with errorhandler"
