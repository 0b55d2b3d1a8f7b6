"""Hidden suite for blueprints: prefixes, blueprint-local hooks and error handlers, url_for."""

from __future__ import annotations

import ast
import re
import uuid

import pytest

ADMIN = {"X-Admin-Token": "graded-admin-token-5d21c9"}  # FLASK_ADMIN_TOKEN in challenge.toml
FOOTER = re.compile(r"<footer[^>]*>\s*Acme Tea Co\.\s*</footer>")


def _slug() -> str:
    return f"tea-{uuid.uuid4().hex[:10]}"


def _add_product(client, name: str, price: str = "4.20") -> str:
    slug = _slug()
    resp = client.post(
        "/admin/products", data={"name": name, "slug": slug, "price": price}, headers=ADMIN
    )
    assert resp.status_code in (302, 303), (
        f"POST /admin/products with a valid form answered {resp.status}, expected 303"
    )
    return slug


def _h1(text: str, title: str) -> bool:
    return re.search(rf"<h1[^>]*>\s*{re.escape(title)}\s*</h1>", text) is not None


def _assert_html(resp, status: int) -> None:
    assert resp.status_code == status, f"expected {status}, got {resp.status}"
    assert resp.mimetype == "text/html", f"expected an HTML page, got {resp.content_type!r}"


def _assert_json_error(resp, status: int) -> None:
    assert resp.status_code == status, f"expected {status}, got {resp.status}"
    assert resp.mimetype == "application/json", (
        f"errors under /api/v1 must be JSON, got {resp.content_type!r}"
    )
    body = resp.get_json()
    assert isinstance(body, dict) and isinstance(body.get("error"), str), (
        'API errors must be {"error": "<message>"}'
    )


@pytest.mark.visible
@pytest.mark.weight(2)
@pytest.mark.skill("url-prefixes")
def test_shop_product_page_is_served_under_shop(client):
    """GET /shop/products/classic-mug is an HTML page naming the product and its price."""
    resp = client.get("/shop/products/classic-mug")
    _assert_html(resp, 200)
    assert _h1(resp.text, "Classic mug"), "the page must have <h1>Classic mug</h1>"
    assert "$12.50" in resp.text, "the page must show the price as $12.50"


@pytest.mark.visible
@pytest.mark.weight(2)
@pytest.mark.skill("url-prefixes")
def test_api_product_is_served_under_api_v1(client):
    """GET /api/v1/products/classic-mug is the product as JSON, with its shop page URL."""
    resp = client.get("/api/v1/products/classic-mug")
    assert resp.status_code == 200, f"GET /api/v1/products/classic-mug answered {resp.status}"
    assert resp.get_json() == {
        "slug": "classic-mug",
        "name": "Classic mug",
        "price_cents": 1250,
        "url": "/shop/products/classic-mug",
    }


@pytest.mark.weight(1)
@pytest.mark.skill("url-building")
def test_root_redirects_to_the_shop(client):
    """GET / redirects to the shop's index, /shop/."""
    resp = client.get("/")
    assert resp.status_code in (301, 302, 303, 307, 308), f"GET / answered {resp.status}"
    assert (resp.location or "").endswith("/shop/"), f"GET / redirected to {resp.location!r}"


@pytest.mark.weight(2)
@pytest.mark.skill("url-building")
def test_shop_index_links_to_each_product_page(client):
    """GET /shop/ links every product to /shop/products/<slug>."""
    slug = _add_product(client, "Smoky lapsang")
    resp = client.get("/shop/")
    _assert_html(resp, 200)
    assert f'href="/shop/products/{slug}"' in resp.text, (
        f"/shop/ has no link to /shop/products/{slug}"
    )


@pytest.mark.weight(2)
@pytest.mark.skill("blueprints")
def test_admin_refuses_requests_without_the_token(client):
    """Every /admin request without the right X-Admin-Token is 403 and changes nothing."""
    slug = _slug()
    for headers in ({}, {"X-Admin-Token": "guessed"}, {"X-Admin-Token": ""}):
        page = client.get("/admin/", headers=headers)
        assert page.status_code == 403, f"GET /admin/ with {headers} answered {page.status}"
        post = client.post(
            "/admin/products",
            data={"name": "Forged tea", "slug": slug, "price": "1.00"},
            headers=headers,
        )
        assert post.status_code == 403, f"POST /admin/products with {headers} got {post.status}"
    assert client.get(f"/api/v1/products/{slug}").status_code == 404, (
        "a product was created without the admin token"
    )


@pytest.mark.weight(1)
@pytest.mark.skill("blueprints")
def test_token_check_applies_to_admin_only(client):
    """The admin token check is the admin blueprint's: shop and API pages need no token."""
    for path in ("/shop/", "/shop/products/tea-towel", "/api/v1/products"):
        resp = client.get(path)
        assert resp.status_code == 200, f"GET {path} without a token answered {resp.status}"


@pytest.mark.weight(2)
@pytest.mark.skill("url-building")
def test_admin_create_redirects_to_the_dashboard(client):
    """POST /admin/products adds the product and answers 303 to /admin/."""
    slug = _slug()
    resp = client.post(
        "/admin/products",
        data={"name": "Morning blend", "slug": slug, "price": "6.5"},
        headers=ADMIN,
    )
    assert resp.status_code == 303, f"POST /admin/products answered {resp.status}, expected 303"
    assert (resp.location or "").endswith("/admin/"), f"redirected to {resp.location!r}"
    product = client.get(f"/api/v1/products/{slug}").get_json()
    assert product is not None and product.get("price_cents") == 650, (
        f"the new product is not in the API as 650 cents: {product!r}"
    )


@pytest.mark.weight(3)
@pytest.mark.skill("url-building")
def test_admin_dashboard_links_to_shop_pages(client):
    """GET /admin/ links each product to its page in the shop blueprint."""
    slug = _add_product(client, "Earl grey")
    resp = client.get("/admin/", headers=ADMIN)
    _assert_html(resp, 200)
    assert f'href="/shop/products/{slug}"' in resp.text, (
        f"the dashboard has no link to the shop page /shop/products/{slug}"
    )


@pytest.mark.weight(1)
@pytest.mark.skill("blueprints")
def test_admin_rejects_invalid_and_duplicate_products(client):
    """POST /admin/products is 400 for an invalid form and 409 for a taken slug."""
    slug = _slug()
    bad_forms = (
        {"name": "", "slug": slug, "price": "1.00"},
        {"name": "Bad slug", "slug": "Not A Slug", "price": "1.00"},
        {"name": "Bad price", "slug": slug, "price": "cheap"},
        {"name": "Free", "slug": slug, "price": "0"},
    )
    for form in bad_forms:
        resp = client.post("/admin/products", data=form, headers=ADMIN)
        assert resp.status_code == 400, f"{form} answered {resp.status}, expected 400"
    assert client.get(f"/api/v1/products/{slug}").status_code == 404, "an invalid form was stored"
    taken = client.post(
        "/admin/products",
        data={"name": "Another mug", "slug": "classic-mug", "price": "2.00"},
        headers=ADMIN,
    )
    assert taken.status_code == 409, f"a taken slug answered {taken.status}, expected 409"


@pytest.mark.weight(2)
@pytest.mark.skill("url-building")
def test_api_list_gives_shop_urls(client):
    """GET /api/v1/products lists each product with "url" = its /shop/products/<slug> page."""
    slug = _add_product(client, "Jasmine pearls", "12")
    resp = client.get("/api/v1/products")
    assert resp.status_code == 200, f"GET /api/v1/products answered {resp.status}"
    body = resp.get_json()
    assert isinstance(body, dict) and isinstance(body.get("products"), list), (
        'GET /api/v1/products must answer {"products": [...]}'
    )
    mine = [p for p in body["products"] if isinstance(p, dict) and p.get("slug") == slug]
    assert mine == [
        {
            "slug": slug,
            "name": "Jasmine pearls",
            "price_cents": 1200,
            "url": f"/shop/products/{slug}",
        }
    ]


@pytest.mark.weight(2)
@pytest.mark.skill("error-handlers")
def test_api_unknown_product_is_json_404(client):
    """GET /api/v1/products/<unknown> is a JSON 404."""
    _assert_json_error(client.get(f"/api/v1/products/{_slug()}"), 404)


@pytest.mark.weight(3)
@pytest.mark.skill("error-handlers")
def test_api_unmatched_url_is_json_404(client):
    """A URL under /api/v1 that matches no route is a JSON 404 too."""
    for path in ("/api/v1/nothing-here", "/api/v1/products/classic-mug/reviews", "/api/v1"):
        _assert_json_error(client.get(path), 404)


@pytest.mark.weight(1)
@pytest.mark.skill("error-handlers")
def test_api_wrong_method_is_json_405(client):
    """DELETE /api/v1/products is a JSON 405."""
    _assert_json_error(client.delete("/api/v1/products"), 405)


@pytest.mark.weight(2)
@pytest.mark.skill("error-handlers")
def test_shop_unknown_product_is_html_404(client):
    """GET /shop/products/<unknown> is an HTML 404 page in the site's layout."""
    resp = client.get(f"/shop/products/{_slug()}")
    _assert_html(resp, 404)
    assert FOOTER.search(resp.text), "the 404 page must use the layout (<footer>Acme Tea Co.)"


@pytest.mark.weight(1)
@pytest.mark.skill("error-handlers")
def test_404_outside_api_v1_is_html(client):
    """A 404 outside /api/v1 (even /api/v2 or /api/v10) is HTML, not JSON."""
    for path in ("/nowhere", "/api/v2/products", "/api/v10/products", "/shop/nope/nope"):
        _assert_html(client.get(path), 404)


@pytest.mark.weight(2)
@pytest.mark.skill("templates")
def test_shop_and_admin_index_pages_are_their_own(client):
    """/shop/ and /admin/ render their own index templates, not each other's."""
    shop = client.get("/shop/")
    admin = client.get("/admin/", headers=ADMIN)
    _assert_html(shop, 200)
    _assert_html(admin, 200)
    assert _h1(shop.text, "Our teas"), "/shop/ must have <h1>Our teas</h1>"
    assert _h1(admin.text, "Catalogue admin"), "/admin/ must have <h1>Catalogue admin</h1>"
    assert "Catalogue admin" not in shop.text, "/shop/ rendered the admin's template"
    assert "Our teas" not in admin.text, "/admin/ rendered the shop's template"


@pytest.mark.weight(1)
@pytest.mark.skill("templates")
def test_product_names_are_escaped(client):
    """A product name with markup is shown escaped in the shop and the admin pages."""
    name = "<script>alert('tea')</script> Sencha"
    slug = _add_product(client, name)
    for resp in (client.get(f"/shop/products/{slug}"), client.get("/admin/", headers=ADMIN)):
        _assert_html(resp, 200)
        assert "<script>alert(" not in resp.text, f"{resp.request_path} shows the name unescaped"
        assert "&lt;script&gt;" in resp.text, f"{resp.request_path} does not show the name"


@pytest.mark.weight(1)
@pytest.mark.skill("templates")
def test_pages_of_every_blueprint_share_the_layout(client):
    """Shop, partner and admin pages all extend the shared layout (its footer)."""
    pages = (
        client.get("/shop/"),
        client.get("/partner/acme/products/tea-towel"),
        client.get("/admin/", headers=ADMIN),
    )
    for resp in pages:
        _assert_html(resp, 200)
        assert FOOTER.search(resp.text), f"{resp.request_path} lacks <footer>Acme Tea Co.</footer>"


@pytest.mark.weight(2)
@pytest.mark.skill("url-prefixes")
def test_partner_storefront_serves_the_shop_pages(client):
    """The shop blueprint is also mounted at /partner/acme: its index and product pages."""
    slug = _add_product(client, "Partner oolong", "9.99")
    index = client.get("/partner/acme/")
    _assert_html(index, 200)
    assert _h1(index.text, "Our teas"), "/partner/acme/ must be the shop index (<h1>Our teas</h1>)"
    page = client.get(f"/partner/acme/products/{slug}")
    _assert_html(page, 200)
    assert _h1(page.text, "Partner oolong") and "$9.99" in page.text


@pytest.mark.weight(2)
@pytest.mark.skill("url-building")
def test_partner_pages_link_within_the_partner_prefix(client):
    """Pages under /partner/acme link to /partner/acme/products/..., never to /shop/."""
    slug = _add_product(client, "Partner rooibos")
    index = client.get("/partner/acme/")
    _assert_html(index, 200)
    assert f'href="/partner/acme/products/{slug}"' in index.text, (
        f"/partner/acme/ has no link to /partner/acme/products/{slug}"
    )
    assert f'href="/shop/products/{slug}"' not in index.text, (
        "/partner/acme/ links to the /shop/ storefront instead of its own"
    )


def _calls(tree: ast.AST, name: str) -> int:
    count = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            count += called == name
    return count


@pytest.mark.weight(1)
@pytest.mark.skill("blueprints")
def test_app_is_assembled_from_registered_blueprints(source):
    """The app defines at least three Blueprint objects and registers them in code."""
    blueprints = registrations = 0
    for path in source.python_files():
        tree = source.ast(path)
        blueprints += _calls(tree, "Blueprint")
        registrations += _calls(tree, "register_blueprint")
    assert blueprints >= 3, f"found {blueprints} Blueprint(...) objects, expected shop, admin, api"
    assert registrations >= 3, f"found {registrations} register_blueprint calls, expected 3 or more"
