"""Helpers for the hidden suite: an HTML tree from the standard library's html.parser.

Nothing here imports or runs the submission; pages arrive over HTTP.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "param",
    "source",
    "track",
    "wbr",
}


class Node:
    """An element: its tag, attributes, and children (elements or text)."""

    def __init__(self, tag: str, attrs: list[tuple[str, str | None]] = ()) -> None:
        self.tag = tag
        self.attrs = {name: (value or "") for name, value in attrs}
        self.children: list[Node | str] = []

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def iter(self) -> Iterator[Node]:
        """Yield this element and every element below it, in document order."""
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Node]:
        """Return the elements below this one that match the tag, class and attributes."""
        found = []
        for node in self.iter():
            if node is self:
                continue
            if tag is not None and node.tag != tag:
                continue
            if cls is not None and cls not in node.classes:
                continue
            if any(node.attrs.get(name) != value for name, value in attrs.items()):
                continue
            found.append(node)
        return found

    def raw_text(self) -> str:
        """Return the text below this element; each <br> counts as a line break."""
        parts = []
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif child.tag == "br":
                parts.append("\n")
            else:
                parts.append(child.raw_text())
        return "".join(parts)

    @property
    def text(self) -> str:
        """The text below this element with runs of whitespace folded to one space."""
        return " ".join(self.raw_text().split())

    def lines(self) -> list[str]:
        """The text split at <br> elements, each line with its whitespace folded."""
        return [" ".join(line.split()) for line in self.raw_text().split("\n") if line.strip()]

    def event_handlers(self) -> list[str]:
        """Return every on* attribute (onclick, onerror, ...) at or below this element."""
        return [
            f"{n.tag}[{name}]" for n in self.iter() for name in n.attrs if name.startswith("on")
        ]

    def shape(self) -> tuple:
        """A comparable summary: tag, attributes and children, ignoring layout whitespace."""
        children = []
        for child in self.children:
            if isinstance(child, str):
                if child.strip():
                    children.append(" ".join(child.split()))
            else:
                children.append(child.shape())
        return (self.tag, tuple(sorted(self.attrs.items())), tuple(children))


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self._stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, attrs)
        self._stack[-1].children.append(node)
        if tag not in _VOID:
            self._stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._stack[-1].children.append(Node(tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self._stack) - 1, 0, -1):
            if self._stack[depth].tag == tag:
                del self._stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self._stack[-1].children.append(data)


def parse(html: str) -> Node:
    """Parse an HTML document into a tree of Nodes."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


@pytest.fixture
def parse_html():
    """Return the parser: parse_html(text) -> Node."""
    return parse


class Cafe:
    """Drive the candidate's app over HTTP: create menus and items, fetch pages as trees."""

    def __init__(self, client) -> None:
        self.client = client

    def menu(self, title: str | None = None) -> str:
        """Create a menu and return its path, /menus/<id>."""
        title = title or f"Menu {uuid.uuid4().hex[:8]}"
        resp = self.client.post("/menus", data={"title": title})
        assert resp.status_code in (302, 303), f"POST /menus answered {resp.status}, expected 303"
        path = urlsplit(resp.location or "").path
        assert path.startswith("/menus/"), f"POST /menus redirected to {resp.location!r}"
        return path

    def item(
        self,
        menu_path: str,
        name: str,
        price: str = "4.50",
        description: str = "",
        vegetarian: bool = False,
    ) -> None:
        """Add an item to the menu at menu_path."""
        form = {"name": name, "price": price, "description": description}
        if vegetarian:
            form["vegetarian"] = "on"
        resp = self.client.post(f"{menu_path}/items", data=form)
        assert resp.status_code in (302, 303), (
            f"POST {menu_path}/items answered {resp.status}, expected 303"
        )

    def page(self, path: str, **kwargs) -> Node:
        """GET an HTML page (200, text/html) and return its tree."""
        resp = self.client.get(path, **kwargs)
        assert resp.status_code == 200, f"GET {path} answered {resp.status}"
        assert resp.mimetype == "text/html", f"GET {path} answered {resp.content_type!r}"
        return parse(resp.text)


@pytest.fixture
def cafe(client):
    """The app under test, wrapped in the Cafe helper."""
    return Cafe(client)
