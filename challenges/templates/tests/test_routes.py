"""Hidden suite for templates: the written routes keep their redirects, 400s and 404s."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.skill("routes")]

_MENU_PATH = re.compile(r"^/menus/\d+$")
UNKNOWN_MENU = "/menus/987654321"


def _uid() -> str:
    return uuid.uuid4().hex[:10]


def _names(doc) -> list[str]:
    return [" ".join(n.text.split()) for n in doc.find_all(cls="name")]


@pytest.mark.weight(1)
@pytest.mark.requirement("R1")
def test_creating_a_menu_redirects_303_to_its_page(client, parse_html):
    """POST /menus answers 303 with Location /menus/<id>, and that page shows the new menu."""
    title = f"Supper {_uid()}"
    resp = client.post("/menus", data={"title": title})
    assert resp.status_code == 303, f"POST /menus answered {resp.status}, expected 303"
    path = urlsplit(resp.location or "").path
    assert _MENU_PATH.match(path), f"POST /menus: Location is {resp.location!r}, not /menus/<id>"
    page = client.get(path)
    assert page.status_code == 200, f"GET {path} (the Location) answered {page.status}"
    assert page.mimetype == "text/html", f"GET {path} answered {page.content_type!r}"
    headings = [h.text for h in parse_html(page.text).find_all("h1")]
    assert headings == [title], f"GET {path} should be the new menu's page: <h1> {headings}"


@pytest.mark.weight(1)
@pytest.mark.requirement("R1")
def test_adding_an_item_redirects_303_to_its_menu(cafe, client):
    """POST /menus/<id>/items answers 303 with Location /menus/<id>; description is optional."""
    path = cafe.menu()
    name = f"Scone {_uid()}"
    resp = client.post(f"{path}/items", data={"name": name, "price": "2.50"})
    assert resp.status_code == 303, f"POST {path}/items answered {resp.status}, expected 303"
    assert urlsplit(resp.location or "").path == path, (
        f"POST {path}/items: Location is {resp.location!r}, expected {path}"
    )
    assert _names(cafe.page(path)) == [name], "the item sent without a description is not shown"


@pytest.mark.weight(1)
@pytest.mark.requirement("R2")
def test_blank_title_is_400(client):
    """POST /menus with a missing or blank title is a 400, not a redirect to a new menu."""
    for form in [{}, {"title": ""}, {"title": "   "}]:
        resp = client.post("/menus", data=form)
        assert resp.status_code == 400, f"POST /menus {form} answered {resp.status}, expected 400"
        assert resp.location is None, f"POST /menus {form} redirected to {resp.location!r}"


@pytest.mark.weight(1)
@pytest.mark.requirement("R2")
def test_blank_name_is_400_and_adds_nothing(cafe, client):
    """POST /menus/<id>/items with a missing or blank name is a 400 and adds no item."""
    path = cafe.menu()
    for form in [{"price": "3.00"}, {"name": "", "price": "3.00"}, {"name": "  ", "price": "3"}]:
        resp = client.post(f"{path}/items", data=form)
        assert resp.status_code == 400, f"POST {path}/items {form} answered {resp.status}"
    doc = cafe.page(path)
    assert not doc.find_all("li", "item"), "a refused item was added to the menu anyway"


@pytest.mark.weight(1)
@pytest.mark.requirement("R2")
def test_unknown_menu_is_404(client):
    """GET /menus/<id> for an id no menu has, or one that is not digits, is a 404."""
    for path in [UNKNOWN_MENU, "/menus/abc", "/menus/-1", "/menus/1.5"]:
        resp = client.get(path)
        assert resp.status_code == 404, f"GET {path} answered {resp.status}, expected 404"


@pytest.mark.weight(1)
@pytest.mark.requirement("R2")
def test_adding_to_an_unknown_menu_is_404(client):
    """POST /menus/<id>/items for a menu that does not exist is a 404."""
    resp = client.post(f"{UNKNOWN_MENU}/items", data={"name": f"Ghost {_uid()}", "price": "1"})
    assert resp.status_code == 404, f"POST {UNKNOWN_MENU}/items answered {resp.status}"


@pytest.mark.weight(1)
@pytest.mark.requirement("R3")
def test_amounts_with_up_to_two_decimals_are_accepted(cafe, client):
    """Prices 0, 0.01, 4.5, 4.50 and 1234.5 (0 or more, at most two decimals) are accepted."""
    path = cafe.menu()
    names = []
    for price in ["0", "0.01", "4.5", "4.50", "1234.5"]:
        names.append(f"P{price} {_uid()}")
        resp = client.post(f"{path}/items", data={"name": names[-1], "price": price})
        assert resp.status_code == 303, f"price {price!r} was refused: {resp.status}"
    assert _names(cafe.page(path)) == names, "an accepted item is missing from the menu"


@pytest.mark.weight(1)
@pytest.mark.requirement("R3")
def test_a_price_that_is_not_an_amount_is_400(cafe, client):
    """Prices -0.01, 4.505, abc, NaN, Infinity, blank or missing are a 400 and add nothing."""
    path = cafe.menu()
    for price in ["-0.01", "4.505", "abc", "NaN", "Infinity", "", "  ", None]:
        form = {"name": f"Bad {_uid()}"}
        if price is not None:
            form["price"] = price
        resp = client.post(f"{path}/items", data=form)
        assert resp.status_code == 400, f"price {price!r} answered {resp.status}, expected 400"
    assert not cafe.page(path).find_all("li", "item"), "a refused item was added to the menu"
