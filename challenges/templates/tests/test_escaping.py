"""Hidden suite for templates: user input is shown as text wherever it is rendered, never markup.

Each hostile string carries a unique marker; the page fails if any element it produced exists
(a data-inj attribute, or a <script> or on* handler holding the marker). Each test also needs the
input to be shown somewhere, so that an app that shows nothing does not pass; exactly where it
is shown is the rendering tests' business.
"""

from __future__ import annotations

import uuid

import pytest

pytestmark = [pytest.mark.skill("autoescaping"), pytest.mark.requirement("R20")]


def _uid() -> str:
    return uuid.uuid4().hex[:10]


def _echoed(doc, text: str) -> bool:
    """True if the text is on the page, as text or as the value of a form field."""
    return text in doc.text or any(n.attrs.get("value") == text for n in doc.find_all("input"))


def _assert_no_injection(doc, marker: str, where: str) -> None:
    injected = [n.tag for n in doc.iter() if "data-inj" in n.attrs]
    assert not injected, f"{where}: user input became markup: <{injected[0]} data-inj>"
    scripts = [s for s in doc.find_all("script") if marker in s.raw_text()]
    assert not scripts, f"{where}: user input became a <script> element"
    handlers = [h for n in doc.iter() for a, h in n.attrs.items() if a.startswith("on")]
    assert not [h for h in handlers if marker in h], f"{where}: user input became an on* handler"


@pytest.mark.weight(3)
def test_item_name_is_escaped(cafe, client):
    """An item name with <script> and tags is shown as text on the menu page, not run."""
    uid = _uid()
    name = f"<script>alert('{uid}')</script> & <b data-inj>Bold</b>"
    path = cafe.menu()
    cafe.item(path, name)
    assert "<script>alert(" not in client.get(path).text
    doc = cafe.page(path)
    _assert_no_injection(doc, uid, path)
    assert name in doc.text, "the item name should be shown, as text"


@pytest.mark.weight(3)
def test_item_description_is_escaped(cafe, client):
    """A description with HTML is shown as text, even with its line breaks turned into <br>."""
    uid = _uid()
    description = (
        f"<img src=x data-inj onerror=\"alert('{uid}')\">Eggs\n"
        f'<a data-inj href="javascript:alert(1)">{uid}</a>'
    )
    path = cafe.menu()
    cafe.item(path, f"Dish {uid}", description=description)
    assert "<img src=x" not in client.get(path).text
    doc = cafe.page(path)
    _assert_no_injection(doc, uid, path)
    for line in description.split("\n"):
        assert line in doc.text, "each line of the description should be shown, as text"


@pytest.mark.weight(2)
def test_menu_title_is_escaped(cafe):
    """A menu title with markup is text on its page (heading and <title>) and on the home page."""
    uid = _uid()
    title = f"</title><script>alert('{uid}')</script> <b data-inj>Brunch</b> & \"Co\""
    path = cafe.menu(title)
    for page in (path, "/"):
        doc = cafe.page(page)
        _assert_no_injection(doc, uid, page)
        assert title in doc.text, f"{page}: the menu title should be shown, as text"


@pytest.mark.weight(3)
def test_search_query_is_escaped(cafe, client):
    """The q echoed by the search page is text, so a <script> in the URL never runs."""
    uid = _uid()
    query = f"<script>alert('{uid}')</script><i data-inj>x</i>"
    assert "<script>alert(" not in client.get("/search", query_string={"q": query}).text
    doc = cafe.page("/search", query_string={"q": query})
    _assert_no_injection(doc, uid, "/search")
    assert _echoed(doc, query), "the search page should echo the query, as text"


@pytest.mark.weight(2)
@pytest.mark.hint("Text placed inside an HTML attribute must be escaped and quoted.")
def test_search_query_cannot_break_out_of_an_attribute(cafe):
    """Quotes in q cannot close an attribute (the search box's value) to add new ones."""
    uid = _uid()
    query = f'{uid}" data-inj="1" onfocus="alert(\'{uid}\')'
    doc = cafe.page("/search", query_string={"q": query})
    _assert_no_injection(doc, uid, "/search")
    assert _echoed(doc, query), "the search page should echo the query"


@pytest.mark.weight(2)
def test_search_results_are_escaped(cafe):
    """Item names and descriptions with markup are text in search results too."""
    uid = _uid()
    name = f"<i data-inj>Crêpe{uid}</i>"
    description = f"<script>alert('{uid}')</script>"
    cafe.item(cafe.menu(), name, description=description)
    doc = cafe.page("/search", query_string={"q": f"crêpe{uid}"})
    _assert_no_injection(doc, uid, "/search")
    assert name in doc.text, "the result's name should be shown, as text"
