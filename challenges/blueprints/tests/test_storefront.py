"""Hidden suite for blueprints: the storefront, registered twice, and how the app is assembled."""

from __future__ import annotations

import ast

import pytest

HOUSE = (("classic-mug", "Classic mug", "$12.50"), ("tea-towel", "Tea towel", "$8.00"))


@pytest.mark.visible
@pytest.mark.weight(2)
@pytest.mark.skill("url-prefixes")
@pytest.mark.requirement("R8")
def test_shop_product_page_is_served_under_shop(client, web):
    """GET /shop/products/classic-mug is an HTML page naming the product and its price."""
    resp = client.get("/shop/products/classic-mug")
    web.assert_html(resp, 200, "GET /shop/products/classic-mug")
    assert web.h1(resp.text, "Classic mug"), "the page must have <h1>Classic mug</h1>"
    assert "$12.50" in resp.text, "the page must show the price as $12.50"


@pytest.mark.weight(2)
@pytest.mark.skill("url-prefixes")
@pytest.mark.requirement("R8", "R1")
def test_partner_product_page_is_the_shop_page(client, web):
    """GET /partner/acme/products/tea-towel is the storefront's product page, $8.00."""
    resp = client.get("/partner/acme/products/tea-towel")
    web.assert_html(resp, 200, "GET /partner/acme/products/tea-towel")
    assert web.h1(resp.text, "Tea towel"), "the page must have <h1>Tea towel</h1>"
    assert "$8.00" in resp.text, "the page must show the price as $8.00"


@pytest.mark.weight(2)
@pytest.mark.skill("error-handlers")
@pytest.mark.requirement("R8")
@pytest.mark.parametrize("prefix", ["/shop", "/partner/acme"])
def test_unknown_product_page_is_an_html_404(client, web, prefix):
    """GET <prefix>/products/<unknown> is an HTML 404 page."""
    path = f"{prefix}/products/{web.unique('nothing')}"
    web.assert_html(client.get(path), 404, f"GET {path}")


@pytest.mark.weight(2)
@pytest.mark.skill("url-building")
@pytest.mark.requirement("R7")
def test_shop_index_links_each_product_to_its_page(client, web):
    """GET /shop/ is "Our teas" and links each product to /shop/products/<slug>, with its price."""
    resp = client.get("/shop/")
    web.assert_html(resp, 200, "GET /shop/")
    assert web.h1(resp.text, "Our teas"), "/shop/ must have <h1>Our teas</h1>"
    for slug, name, price in HOUSE:
        assert web.href(f"/shop/products/{slug}") in resp.text, f"/shop/ has no link to {slug}"
        assert name in resp.text and price in resp.text, f"/shop/ does not show {name} {price}"


@pytest.mark.weight(2)
@pytest.mark.skill("url-prefixes")
@pytest.mark.requirement("R7", "R1")
def test_partner_index_is_the_storefront(client, web):
    """GET /partner/acme/ is the storefront's index: "Our teas", every product and its price."""
    resp = client.get("/partner/acme/")
    web.assert_html(resp, 200, "GET /partner/acme/")
    assert web.h1(resp.text, "Our teas"), "/partner/acme/ must have <h1>Our teas</h1>"
    for _, name, price in HOUSE:
        assert name in resp.text and price in resp.text, f"/partner/acme/ lacks {name} {price}"


@pytest.mark.weight(3)
@pytest.mark.skill("url-building")
@pytest.mark.requirement("R7")
@pytest.mark.hint("Links on a page should stay under the prefix the page was reached by.")
def test_partner_pages_link_within_the_partner_prefix(client, web):
    """/partner/acme/ links to /partner/acme/products/<slug>, never to the /shop/ storefront."""
    resp = client.get("/partner/acme/")
    web.assert_html(resp, 200, "GET /partner/acme/")
    for slug, _, _ in HOUSE:
        assert web.href(f"/partner/acme/products/{slug}") in resp.text, (
            f"/partner/acme/ has no link to /partner/acme/products/{slug}"
        )
        assert web.href(f"/shop/products/{slug}") not in resp.text, (
            f"/partner/acme/ links to /shop/products/{slug}: url_for('shop.product') names "
            "the main registration; the page's own is url_for('.product')"
        )


@pytest.mark.weight(1)
@pytest.mark.skill("url-building")
@pytest.mark.requirement("R7", "R12")
def test_a_new_product_is_linked_from_both_storefronts(client, admin, web):
    """A product added in the admin is linked from /shop/ and /partner/acme/, each its own."""
    slug = admin.create(f"Smoky lapsang {web.unique()}", step="step 1: adding a product")
    for prefix in ("/shop", "/partner/acme"):
        resp = client.get(f"{prefix}/")
        web.assert_html(resp, 200, f"step 2: GET {prefix}/")
        assert web.href(f"{prefix}/products/{slug}") in resp.text, (
            f"step 2: {prefix}/ has no link to {prefix}/products/{slug}"
        )


@pytest.mark.weight(1)
@pytest.mark.skill("url-building")
@pytest.mark.requirement("R6")
def test_root_redirects_to_the_shop(client, web):
    """GET / answers 302 to /shop/."""
    resp = client.get("/")
    assert resp.status_code == 302, f"GET / answered {resp.status}, expected 302"
    assert web.path_of(resp.location) == "/shop/", f"GET / redirected to {resp.location!r}"


def _calls(tree: ast.AST, name: str) -> list[ast.Call]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if called == name:
                found.append(node)
    return found


def _first_str(call: ast.Call) -> str | None:
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


@pytest.mark.weight(1)
@pytest.mark.skill("blueprints")
@pytest.mark.requirement("R1")
def test_app_is_assembled_from_registered_blueprints(source):
    """The code defines the shop, admin and api Blueprint objects and registers them."""
    names, registrations = set(), 0
    for path in source.python_files():
        tree = source.ast(path)
        names |= {_first_str(call) or "?" for call in _calls(tree, "Blueprint")}
        registrations += len(_calls(tree, "register_blueprint"))
    missing = {"shop", "admin", "api"} - names
    assert not missing, f"no Blueprint({sorted(missing)[0]!r}, ...) in the code: found {names}"
    assert registrations, "the code never calls register_blueprint"
