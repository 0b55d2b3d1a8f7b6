"""In-memory menus and their items, shared safely between the server's threads."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation


@dataclass
class Item:
    """One dish or drink on a menu; the price is kept in cents."""

    id: int
    menu_id: int
    name: str
    price_cents: int
    description: str = ""
    vegetarian: bool = False


@dataclass
class Menu:
    """A named menu and its items, in the order they were added."""

    id: int
    title: str
    items: list[Item] = field(default_factory=list)


class Store:
    """Keep menus in memory; every method is thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._menus: dict[int, Menu] = {}
        self._next_menu_id = 1
        self._next_item_id = 1

    def add_menu(self, title: str) -> Menu:
        """Create a menu and return it."""
        with self._lock:
            menu = Menu(id=self._next_menu_id, title=title)
            self._menus[menu.id] = menu
            self._next_menu_id += 1
            return menu

    def get_menu(self, menu_id: int) -> Menu | None:
        """Return the menu with this id, or None."""
        with self._lock:
            return self._menus.get(menu_id)

    def menus(self) -> list[Menu]:
        """Return every menu, oldest first."""
        with self._lock:
            return list(self._menus.values())

    def add_item(
        self, menu: Menu, *, name: str, price_cents: int, description: str, vegetarian: bool
    ) -> Item:
        """Append an item to a menu and return it."""
        with self._lock:
            item = Item(
                id=self._next_item_id,
                menu_id=menu.id,
                name=name,
                price_cents=price_cents,
                description=description,
                vegetarian=vegetarian,
            )
            menu.items.append(item)
            self._next_item_id += 1
            return item

    def search(self, query: str) -> list[Item]:
        """Return the items whose name contains the query, ignoring case, oldest first."""
        needle = query.casefold()
        with self._lock:
            items = [item for menu in self._menus.values() for item in menu.items]
        return sorted((i for i in items if needle in i.name.casefold()), key=lambda i: i.id)


def parse_price(text: str) -> int | None:
    """Turn "4.50" into 450 cents; None unless a non-negative amount with at most 2 decimals."""
    try:
        amount = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        return None
    return int(amount * 100)
