"""Hidden suite for templates: one base layout for every page, and the item partial."""

from __future__ import annotations

import re
import uuid

import pytest

SITE = "Corner Café"

_EXTENDS = re.compile(r"\{%-?\s*extends\s")
_BLOCK = re.compile(r"\{%-?\s*block\s+\w+")
_INCLUDE = re.compile(r"""\{%-?\s*include\s+["']([^"']+)["']""")


def _templates(source) -> dict[str, str]:
    return {path: source.text(path) for path in source.files if path.endswith(".html")}


def _check_layout(doc, path: str) -> None:
    headers, mains, footers = doc.find_all("header"), doc.find_all("main"), doc.find_all("footer")
    assert len(headers) == 1, f"{path}: expected one <header>, found {len(headers)}"
    assert len(mains) == 1, f"{path}: expected one <main>, found {len(mains)}"
    assert len(footers) == 1, f"{path}: expected one <footer>, found {len(footers)}"
    navs = headers[0].find_all("nav")
    assert len(navs) == 1, f"{path}: expected one <nav> in the <header>"
    hrefs = [a.attrs.get("href") for a in navs[0].find_all("a")]
    assert hrefs == ["/", "/search"], f"{path}: nav links are {hrefs}"
    assert SITE in footers[0].text, f"{path}: the footer must name {SITE!r}"
    titles = doc.find_all("title")
    assert len(titles) == 1 and titles[0].text.endswith(f" | {SITE}"), (
        f"{path}: <title> must end with ' | {SITE}'"
    )


@pytest.mark.weight(2)
@pytest.mark.skill("inheritance")
@pytest.mark.requirement("R5", "R6")
def test_every_page_shares_the_layout(cafe):
    """Home, menu and search pages all have the same header nav, <main>, footer and title suffix."""
    menu = cafe.menu()
    for path, query in [("/", None), (menu, None), ("/search", None), ("/search", {"q": "x"})]:
        _check_layout(cafe.page(path, query_string=query), path)


@pytest.mark.weight(1)
@pytest.mark.skill("inheritance")
@pytest.mark.requirement("R5")
@pytest.mark.hint("Each page fills in the layout's title for itself.")
def test_each_page_fills_its_own_title(cafe):
    """<title> is "Menus | Corner Café" on /, "<menu title> | Corner Café" and "Search | ..."."""
    title = f"Lunch {uuid.uuid4().hex[:8]}"
    menu = cafe.menu(title)
    for path, expected in [("/", "Menus"), (menu, title), ("/search", "Search")]:
        titles = [t.text for t in cafe.page(path).find_all("title")]
        assert titles == [f"{expected} | {SITE}"], f"GET {path}"


@pytest.mark.weight(2)
@pytest.mark.skill("inheritance")
@pytest.mark.requirement("R4")
def test_pages_extend_one_base_template(source):
    """The layout is written once, in a base template with blocks that the pages extend."""
    templates = _templates(source)
    bases = [
        p for p, text in templates.items() if _BLOCK.search(text) and not _EXTENDS.search(text)
    ]
    assert bases, "no base template: expected one with {% block %} that extends nothing"
    children = [p for p, text in templates.items() if _EXTENDS.search(text)]
    assert len(children) >= 3, f"home, menu and search pages should extend the base: {children}"
    footers = [p for p, text in templates.items() if "<footer" in text]
    assert len(footers) == 1, f"the layout is repeated instead of inherited: {footers}"


@pytest.mark.weight(1)
@pytest.mark.skill("includes")
@pytest.mark.requirement("R11")
def test_item_markup_lives_in_one_included_partial(source):
    """The <li class="item"> markup is in one partial that the menu and search pages include."""
    templates = _templates(source)
    owners = [p for p, text in templates.items() if re.search(r"""class=["']item["']""", text)]
    assert len(owners) == 1, f"the item markup should be written once, found in {owners}"
    (partial,) = owners
    includers = [
        p
        for p, text in templates.items()
        if any(partial.endswith(name) for name in _INCLUDE.findall(text))
    ]
    assert len(includers) >= 2, f"{partial} should be included by both pages: {includers}"


@pytest.mark.weight(2)
@pytest.mark.skill("includes")
@pytest.mark.requirement("R11", "R17")
def test_search_results_render_items_like_the_menu(cafe):
    """An item looks exactly the same on its menu page and in search results (one partial)."""
    uid = uuid.uuid4().hex[:10]
    path = cafe.menu()
    cafe.item(path, f"Shake{uid}", price="5.25", description="Oat milk\nBanana", vegetarian=True)
    on_menu = cafe.page(path).find_all("li", "item")
    found = cafe.page("/search", query_string={"q": f"shake{uid}"}).find_all("li", "item")
    assert len(on_menu) == 1 and len(found) == 1, "expected the item on both pages"
    assert found[0].shape() == on_menu[0].shape(), "the search result's markup differs"
