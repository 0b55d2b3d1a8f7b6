"""Hidden suite for templates: loops, conditionals and the money filter on the menu pages."""

from __future__ import annotations

import ast
import re
import uuid

import pytest

_FILTER_REGISTRARS = {
    "template_filter",
    "add_template_filter",
    "app_template_filter",
    "add_app_template_filter",
}


def _uid() -> str:
    return uuid.uuid4().hex[:10]


def _items(doc) -> list:
    lists = doc.find_all("ul", "items")
    assert len(lists) == 1, f'expected one <ul class="items">, found {len(lists)}'
    return lists[0].find_all("li", "item")


def _field(item, cls: str) -> str:
    found = item.find_all(cls=cls)
    assert found, f"an item has no element with class {cls!r}"
    return found[0].text


@pytest.mark.visible
@pytest.mark.weight(2)
@pytest.mark.skill("control-flow")
@pytest.mark.requirement("R9")
def test_menu_lists_items_in_the_order_added(cafe):
    """GET /menus/<id> shows one li.item per item, in the order they were added."""
    uid = _uid()
    path = cafe.menu()
    names = [f"Soup {uid}", f"Bread {uid}", f"Cake {uid}"]
    for name in names:
        cafe.item(path, name)
    shown = [_field(li, "name") for li in _items(cafe.page(path))]
    assert shown == names


@pytest.mark.visible
@pytest.mark.weight(2)
@pytest.mark.skill("control-flow")
@pytest.mark.requirement("R10")
def test_empty_menu_shows_a_message_instead_of_a_list(cafe):
    """A menu with no items shows p.empty "No items on this menu yet." and no ul.items."""
    doc = cafe.page(cafe.menu())
    assert [p.text for p in doc.find_all("p", "empty")] == ["No items on this menu yet."]
    assert not doc.find_all("ul", "items"), 'an empty menu must not render <ul class="items">'
    assert not doc.find_all(cls="item"), "an empty menu must not render any item"
    assert not doc.find_all("p", "count"), 'an empty menu must not render <p class="count">'


@pytest.mark.weight(1)
@pytest.mark.skill("control-flow")
@pytest.mark.requirement("R9", "R10")
def test_menu_with_items_has_no_empty_message(cafe):
    """A menu with items lists them and shows no p.empty message."""
    path = cafe.menu()
    name = f"Tea {_uid()}"
    cafe.item(path, name)
    doc = cafe.page(path)
    assert [_field(li, "name") for li in _items(doc)] == [name]
    assert not doc.find_all("p", "empty"), "a menu with items must not say it is empty"


@pytest.mark.weight(1)
@pytest.mark.skill("control-flow")
@pytest.mark.requirement("R8")
def test_menu_page_heading_is_its_title(cafe):
    """GET /menus/<id> has one <h1> with the menu's title."""
    title = f"Tea time {_uid()}"
    assert [h.text for h in cafe.page(cafe.menu(title)).find_all("h1")] == [title]


@pytest.mark.weight(1)
@pytest.mark.skill("control-flow")
@pytest.mark.requirement("R8")
@pytest.mark.hint('One item is not "1 items".')
def test_item_count_is_singular_for_one_item(cafe):
    """p.count reads "1 item" for one item."""
    one = cafe.menu()
    cafe.item(one, f"Tea {_uid()}")
    assert [p.text for p in cafe.page(one).find_all("p", "count")] == ["1 item"]


@pytest.mark.weight(1)
@pytest.mark.skill("control-flow")
@pytest.mark.requirement("R8")
def test_item_count_is_plural_from_two_items(cafe):
    """p.count reads "2 items" for two items and "3 items" for three."""
    path = cafe.menu()
    for n in range(3):
        cafe.item(path, f"Tea {n} {_uid()}")
        if n == 1:
            counts = [p.text for p in cafe.page(path).find_all("p", "count")]
            assert counts == ["2 items"], f"with two items, p.count reads {counts}"
    counts = [p.text for p in cafe.page(path).find_all("p", "count")]
    assert counts == ["3 items"], f"with three items, p.count reads {counts}"


@pytest.mark.weight(1)
@pytest.mark.skill("control-flow")
@pytest.mark.requirement("R14")
def test_vegetarian_badge_only_on_vegetarian_items(cafe):
    """span.badge "Vegetarian" appears on vegetarian items and on no other item."""
    path = cafe.menu()
    cafe.item(path, f"Salad {_uid()}", vegetarian=True)
    cafe.item(path, f"Steak {_uid()}")
    salad, steak = _items(cafe.page(path))
    assert [b.text for b in salad.find_all(cls="badge")] == ["Vegetarian"]
    assert not steak.find_all(cls="badge"), "a non-vegetarian item must not show a badge"


@pytest.mark.weight(2)
@pytest.mark.skill("control-flow")
@pytest.mark.requirement("R15")
def test_description_paragraph_only_when_there_is_one(cafe):
    """p.description is rendered only for items whose description is not blank."""
    path = cafe.menu()
    cafe.item(path, f"Pie {_uid()}", description="Apple and cinnamon")
    cafe.item(path, f"Bun {_uid()}")
    cafe.item(path, f"Roll {_uid()}", description="   ")
    pie, bun, roll = _items(cafe.page(path))
    assert [p.text for p in pie.find_all("p", "description")] == ["Apple and cinnamon"]
    assert not bun.find_all("p", "description"), 'no description: no <p class="description">'
    assert not roll.find_all("p", "description"), "a blank description counts as none"


@pytest.mark.weight(1)
@pytest.mark.skill("filters")
@pytest.mark.requirement("R15")
def test_description_line_breaks_become_br(cafe):
    """Each line break in a description is rendered as a <br> element."""
    path = cafe.menu()
    cafe.item(path, f"Plate {_uid()}", description="Two eggs\nToast\r\nBeans")
    (plate,) = _items(cafe.page(path))
    (para,) = plate.find_all("p", "description")
    assert len(para.find_all("br")) == 2, "expected one <br> between each pair of lines"
    assert para.lines() == ["Two eggs", "Toast", "Beans"]


@pytest.mark.weight(3)
@pytest.mark.skill("filters")
@pytest.mark.requirement("R12", "R13")
@pytest.mark.hint("Prices show two decimals, whatever number is stored.")
def test_prices_show_dollars_and_two_decimals(cafe):
    """span.price shows the price through the money filter: 4.5 -> "$4.50", 0.05 -> "$0.05"."""
    path = cafe.menu()
    cases = {
        "4.5": "$4.50",
        "0.99": "$0.99",
        "3": "$3.00",
        "0.05": "$0.05",
        "12.30": "$12.30",
        "0": "$0.00",
    }
    for price in cases:
        cafe.item(path, f"Item {price} {_uid()}", price=price)
    shown = [_field(li, "price") for li in _items(cafe.page(path))]
    assert shown == list(cases.values())


@pytest.mark.weight(2)
@pytest.mark.skill("filters")
@pytest.mark.requirement("R13")
def test_prices_group_thousands(cafe):
    """money groups thousands from $1,000.00 on: 999.99 -> "$999.99", 1000 -> "$1,000.00"."""
    path = cafe.menu()
    cases = {
        "999.99": "$999.99",
        "1000": "$1,000.00",
        "1234.5": "$1,234.50",
        "1000000": "$1,000,000.00",
    }
    for price in cases:
        cafe.item(path, f"Caviar {price} {_uid()}", price=price)
    shown = [_field(li, "price") for li in _items(cafe.page(path))]
    assert shown == list(cases.values())


def _attr(node: ast.AST) -> str | None:
    return node.attr if isinstance(node, ast.Attribute) else None


def _registered_filter_names(tree: ast.Module) -> set[str]:
    """Names given to Jinja filters in one module, however they were registered."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):  # @app.template_filter() def money(...)
            for deco in node.decorator_list:
                bare_call = isinstance(deco, ast.Call) and not deco.args and not deco.keywords
                if _attr(deco.func if bare_call else deco) in _FILTER_REGISTRARS:
                    names.add(node.name)
        elif isinstance(node, ast.Call) and _attr(node.func) in _FILTER_REGISTRARS:
            # template_filter("money"), add_template_filter(money), add_template_filter(f, "money")
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    names.add(arg.value)
                elif isinstance(arg, ast.Name):
                    names.add(arg.id)
                elif isinstance(arg, ast.Attribute):
                    names.add(arg.attr)
        elif (  # app.jinja_env.filters["money"] = ...
            isinstance(node, ast.Subscript)
            and _attr(node.value) == "filters"
            and isinstance(node.slice, ast.Constant)
        ):
            names.add(str(node.slice.value))
        elif (  # app.jinja_env.filters.update(money=...)
            isinstance(node, ast.Call)
            and _attr(node.func) == "update"
            and _attr(node.func.value) == "filters"
        ):
            names.update(k.arg for k in node.keywords if k.arg)
    return names


@pytest.mark.weight(1)
@pytest.mark.skill("filters")
@pytest.mark.requirement("R12")
def test_money_is_a_registered_template_filter(source):
    """A Jinja filter named "money" is registered on the app and used in a template."""
    names = set()
    for path in source.python_files():
        names |= _registered_filter_names(source.ast(path))
    assert "money" in names, f"no template filter named 'money' is registered (found {names})"
    used = [
        p
        for p in source.files
        if p.endswith(".html") and re.search(r"\|\s*money\b", source.text(p))
    ]
    assert used, "no template applies the money filter (| money)"


@pytest.mark.weight(1)
@pytest.mark.skill("control-flow")
@pytest.mark.requirement("R7")
def test_home_page_links_every_menu(cafe):
    """GET / lists each menu as a link to /menus/<id> with the menu's title."""
    title = f"Brunch {_uid()}"
    path = cafe.menu(title)
    links = [a.text for a in cafe.page("/").find_all("a", href=path)]
    assert links == [title]


@pytest.mark.weight(1)
@pytest.mark.skill("control-flow")
@pytest.mark.requirement("R17")
def test_search_finds_items_by_name_ignoring_case(cafe):
    """GET /search?q= lists the items of every menu whose name contains q, ignoring case."""
    uid = _uid()
    first, second = cafe.menu(), cafe.menu()
    cafe.item(first, f"Tag{uid} Soup")
    cafe.item(second, f"tag{uid} salad")
    cafe.item(second, f"Other {uid}")
    doc = cafe.page("/search", query_string={"q": f"TAG{uid}"})
    assert [_field(li, "name") for li in _items(doc)] == [f"Tag{uid} Soup", f"tag{uid} salad"]
    assert not doc.find_all("p", "empty")


@pytest.mark.weight(1)
@pytest.mark.skill("control-flow")
@pytest.mark.requirement("R17")
def test_search_lists_matches_in_the_order_they_were_added(cafe):
    """Search results come oldest first across menus, not grouped menu by menu."""
    uid = _uid()
    older_menu, newer_menu = cafe.menu(), cafe.menu()
    cafe.item(newer_menu, f"Jam{uid} one")
    cafe.item(older_menu, f"Jam{uid} two")
    cafe.item(newer_menu, f"Jam{uid} three")
    doc = cafe.page("/search", query_string={"q": f"jam{uid}"})
    shown = [_field(li, "name") for li in _items(doc)]
    assert shown == [f"Jam{uid} one", f"Jam{uid} two", f"Jam{uid} three"]


@pytest.mark.weight(1)
@pytest.mark.skill("control-flow")
@pytest.mark.requirement("R16", "R17")
def test_search_strips_the_query(cafe):
    """q is stripped of surrounding spaces: it still matches, and the box shows it stripped."""
    uid = _uid()
    cafe.item(cafe.menu(), f"Flapjack{uid}")
    doc = cafe.page("/search", query_string={"q": f"  flapjack{uid}  "})
    assert [_field(li, "name") for li in _items(doc)] == [f"Flapjack{uid}"]
    boxes = doc.find_all("input", name="q")
    assert [b.attrs.get("value") for b in boxes] == [f"flapjack{uid}"]


@pytest.mark.weight(2)
@pytest.mark.skill("control-flow")
@pytest.mark.requirement("R18")
def test_search_without_match_says_so(cafe):
    """A search that matches nothing shows p.empty 'No items match "q".' and no ul.items."""
    query = f"nothing-{_uid()}"
    doc = cafe.page("/search", query_string={"q": query})
    assert [p.text for p in doc.find_all("p", "empty")] == [f'No items match "{query}".']
    assert not doc.find_all("ul", "items")


@pytest.mark.weight(1)
@pytest.mark.skill("control-flow")
@pytest.mark.requirement("R16")
def test_search_box_keeps_the_query(cafe):
    """The search page's <input name="q"> has the current query as its value."""
    query = f'Tea "{_uid()}" & cake'
    boxes = cafe.page("/search", query_string={"q": query}).find_all("input", name="q")
    assert len(boxes) == 1, 'expected one <input name="q">'
    assert boxes[0].attrs.get("value") == query


@pytest.mark.weight(1)
@pytest.mark.skill("control-flow")
@pytest.mark.requirement("R16")
def test_search_page_has_a_heading_and_a_get_form(cafe):
    """GET /search shows <h1>Search</h1> and a GET form holding the q box."""
    doc = cafe.page("/search")
    assert [h.text for h in doc.find_all("h1")] == ["Search"]
    forms = [f for f in doc.find_all("form") if f.find_all("input", name="q")]
    assert len(forms) == 1, 'expected one <form> holding <input name="q">'
    method = forms[0].attrs.get("method", "get").lower()
    assert method == "get", f'the search form must use method="get", not {method!r}'


@pytest.mark.weight(1)
@pytest.mark.skill("control-flow")
@pytest.mark.requirement("R19")
def test_search_without_query_shows_only_the_form(cafe):
    """GET /search with no (or a blank) q shows the search box, no results and no message."""
    for query in [None, "", "   "]:
        where = "/search" if query is None else f"/search?q={query!r}"
        doc = cafe.page("/search", query_string=None if query is None else {"q": query})
        assert len(doc.find_all("input", name="q")) == 1, f'{where}: expected one <input name="q">'
        assert not doc.find_all("ul", "items"), f"{where}: the page must not list items"
        assert not doc.find_all("li", "item"), f"{where}: the page must not list items"
        assert not doc.find_all("p", "empty"), f"{where}: the page must not say nothing matched"
