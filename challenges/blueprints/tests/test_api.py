"""Hidden suite for blueprints: the API's JSON, and errors: JSON under /api/v1, HTML elsewhere."""

from __future__ import annotations

import pytest

HOUSE = [
    {
        "slug": "classic-mug",
        "name": "Classic mug",
        "price_cents": 1250,
        "url": "/shop/products/classic-mug",
    },
    {
        "slug": "tea-towel",
        "name": "Tea towel",
        "price_cents": 800,
        "url": "/shop/products/tea-towel",
    },
]


@pytest.mark.visible
@pytest.mark.weight(2)
@pytest.mark.skill("url-prefixes")
@pytest.mark.requirement("R17")
def test_api_product_is_served_under_api_v1(client):
    """GET /api/v1/products/classic-mug is the product as JSON, with its shop page URL."""
    resp = client.get("/api/v1/products/classic-mug")
    assert resp.status_code == 200, f"GET /api/v1/products/classic-mug answered {resp.status}"
    assert resp.get_json() == HOUSE[0], f"answered {resp.text[:200]!r}"


@pytest.mark.weight(1)
@pytest.mark.skill("url-building")
@pytest.mark.requirement("R17")
def test_api_list_starts_with_the_house_products(client):
    """GET /api/v1/products is {"products": [...]}, the two house products first."""
    resp = client.get("/api/v1/products")
    assert resp.status_code == 200, f"GET /api/v1/products answered {resp.status}"
    body = resp.get_json()
    assert isinstance(body, dict) and isinstance(body.get("products"), list), (
        f'GET /api/v1/products must answer {{"products": [...]}}, not {resp.text[:100]!r}'
    )
    assert body["products"][:2] == HOUSE, f"the list starts with {body['products'][:2]}"


@pytest.mark.weight(2)
@pytest.mark.skill("url-building")
@pytest.mark.requirement("R17")
def test_api_lists_new_products_in_the_order_added(client, admin, web):
    """Products added one after the other are listed in that order, each with its shop URL."""
    first = admin.create(f"Jasmine pearls {web.unique()}", "12", step="step 1: adding a product")
    second = admin.create(f"Silver needle {web.unique()}", "9.5", step="step 2: adding another")
    resp = client.get("/api/v1/products")
    assert resp.status_code == 200, f"step 3: GET /api/v1/products answered {resp.status}"
    products = (resp.get_json() or {}).get("products") or []
    mine = [p for p in products if isinstance(p, dict) and p.get("slug") in (first, second)]
    assert [p["slug"] for p in mine] == [first, second], (
        f"step 3: the two new products are listed as {[p['slug'] for p in mine]}, "
        "not in the order they were added"
    )
    assert mine[0]["price_cents"] == 1200 and mine[1]["price_cents"] == 950, f"step 3: {mine}"
    assert mine[0]["url"] == f"/shop/products/{first}", f"step 3: {mine[0]}"


@pytest.mark.weight(2)
@pytest.mark.skill("error-handlers")
@pytest.mark.requirement("R18")
@pytest.mark.hint("Errors under the API prefix answer JSON; errors elsewhere answer HTML.")
def test_api_unknown_product_is_json_404(client, web):
    """GET /api/v1/products/<unknown> is a JSON 404 {"error": ...}."""
    path = f"/api/v1/products/{web.unique('nothing')}"
    web.assert_json_error(client.get(path), 404, f"GET {path}")


@pytest.mark.weight(3)
@pytest.mark.skill("error-handlers")
@pytest.mark.requirement("R18")
def test_api_unmatched_url_is_json_404(client, web):
    """A URL under /api/v1 that matches no route is a JSON 404 too."""
    for path in (
        "/api/v1/nothing-here",
        "/api/v1/products/classic-mug/reviews",
        "/api/v1",
        "/api/v1/",
    ):
        web.assert_json_error(client.get(path), 404, f"GET {path}")


@pytest.mark.weight(2)
@pytest.mark.skill("error-handlers")
@pytest.mark.requirement("R19")
def test_api_wrong_method_is_json_405_with_allow(client, web):
    """A method an /api/v1 route does not allow is a JSON 405 whose Allow header says GET."""
    for method, path in (
        ("DELETE", "/api/v1/products"),
        ("POST", "/api/v1/products"),
        ("PUT", "/api/v1/products/classic-mug"),
    ):
        resp = client.open(path, method=method)
        web.assert_json_error(resp, 405, f"{method} {path}")
        allowed = {m.strip().upper() for m in (resp.headers.get("Allow") or "").split(",")}
        assert "GET" in allowed and method not in allowed, (
            f"{method} {path}: the 405 must say what is allowed (Allow: GET, ...), "
            f"not {resp.headers.get('Allow')!r}"
        )


@pytest.mark.weight(2)
@pytest.mark.skill("error-handlers")
@pytest.mark.requirement("R20")
def test_404_outside_api_v1_is_html(client, web):
    """A 404 outside /api/v1 (even /api/v2, /api/v10 or /api) is an HTML page, not JSON."""
    for path in ("/nowhere", "/api/v2/products", "/api/v10/products", "/api", "/shop/nope/nope"):
        web.assert_html(client.get(path), 404, f"GET {path}")


@pytest.mark.weight(1)
@pytest.mark.skill("error-handlers")
@pytest.mark.requirement("R20")
def test_405_outside_api_v1_is_html(client, web):
    """A method a storefront route or / does not allow is an HTML 405 page."""
    for method, path in (
        ("DELETE", "/shop/"),
        ("POST", "/partner/acme/products/tea-towel"),
        ("POST", "/"),
    ):
        web.assert_html(client.open(path, method=method), 405, f"{method} {path}")
