"""What the shop sells: product slugs and their prices in cents."""

from __future__ import annotations

PRODUCTS: dict[str, int] = {
    "green-tea": 450,
    "black-tea": 400,
    "oolong": 650,
}
MAX_PER_PRODUCT = 10
