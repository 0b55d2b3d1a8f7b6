"""The product catalogue, kept in memory on the app (one per app, safe across threads)."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from flask import Flask, current_app

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PRICE = re.compile(r"^(\d{1,6})(?:\.(\d{1,2}))?$")
SEED = (("classic-mug", "Classic mug", 1250), ("tea-towel", "Tea towel", 800))


class InvalidProduct(ValueError):
    """A product form that does not follow the rules."""


class DuplicateProduct(ValueError):
    """A product whose slug is already taken."""


@dataclass(frozen=True)
class Product:
    slug: str
    name: str
    price_cents: int

    @property
    def price(self) -> str:
        return f"${self.price_cents // 100}.{self.price_cents % 100:02d}"


class Catalog:
    """Products by slug, in the order they were added."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._products: dict[str, Product] = {}

    def all(self) -> list[Product]:
        with self._lock:
            return list(self._products.values())

    def get(self, slug: str) -> Product | None:
        with self._lock:
            return self._products.get(slug)

    def add(self, product: Product) -> None:
        with self._lock:
            if product.slug in self._products:
                raise DuplicateProduct(f"a product with slug {product.slug!r} already exists")
            self._products[product.slug] = product


def parse_product(form) -> Product:
    """Return the Product a submitted form describes, or raise InvalidProduct."""
    name = (form.get("name") or "").strip()
    slug = (form.get("slug") or "").strip()
    price = (form.get("price") or "").strip()
    if not 1 <= len(name) <= 100:
        raise InvalidProduct("name must be 1 to 100 characters")
    if not (len(slug) <= 64 and SLUG.match(slug)):
        raise InvalidProduct("slug must be lowercase letters, digits and single hyphens")
    match = PRICE.match(price)
    if not match:
        raise InvalidProduct("price must look like 12.50")
    cents = int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))
    if cents <= 0:
        raise InvalidProduct("price must be more than 0")
    return Product(slug=slug, name=name, price_cents=cents)


def get_catalog() -> Catalog:
    """Return the current app's catalogue."""
    return current_app.extensions["catalog"]


def init_app(app: Flask) -> None:
    """Give the app its catalogue, seeded with the two house products."""
    catalog = Catalog()
    for slug, name, cents in SEED:
        catalog.add(Product(slug, name, cents))
    app.extensions["catalog"] = catalog
