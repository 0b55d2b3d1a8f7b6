"""Hidden suite for blueprints: templates of each blueprint, the shared layout, escaping."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.skill("templates")]


@pytest.mark.weight(3)
@pytest.mark.requirement("R7", "R11")
def test_shop_and_admin_index_pages_are_their_own(client, admin, web):
    """/shop/ and /admin/ render their own index templates, not each other's."""
    shop = client.get("/shop/")
    web.assert_html(shop, 200, "GET /shop/")
    page = admin.dashboard("GET /admin/")
    assert web.h1(shop.text, "Our teas"), "/shop/ must have <h1>Our teas</h1>"
    assert web.h1(page, "Catalogue admin"), "/admin/ must have <h1>Catalogue admin</h1>"
    assert "Catalogue admin" not in shop.text, "/shop/ rendered the admin's template"
    assert "Our teas" not in page, "/admin/ rendered the shop's template"


@pytest.mark.weight(1)
@pytest.mark.requirement("R4")
def test_pages_of_every_blueprint_share_the_layout(client, admin, web):
    """Shop, partner and admin pages all extend the shared layout (its footer)."""
    for path in ("/shop/", "/shop/products/classic-mug", "/partner/acme/products/tea-towel"):
        resp = client.get(path)
        web.assert_html(resp, 200, f"GET {path}")
        web.assert_layout(resp, path)
    resp = client.get("/admin/", headers=admin.headers)
    web.assert_html(resp, 200, "GET /admin/")
    web.assert_layout(resp, "/admin/")


@pytest.mark.weight(1)
@pytest.mark.requirement("R4")
def test_error_pages_share_the_layout(client, web):
    """The 404, 403 and 405 pages are HTML pages in the shared layout."""
    for what, resp, status in (
        ("GET /shop/products/<unknown>", client.get(f"/shop/products/{web.unique()}"), 404),
        ("GET /nowhere", client.get("/nowhere"), 404),
        ("GET /admin/ without a token", client.get("/admin/"), 403),
        ("DELETE /shop/", client.delete("/shop/"), 405),
    ):
        web.assert_html(resp, status, what)
        web.assert_layout(resp, what)


@pytest.mark.weight(1)
@pytest.mark.requirement("R4", "R16")
def test_admin_form_errors_share_the_layout(admin, web):
    """The admin's 400 (invalid form) and 409 (taken slug) pages are in the shared layout."""
    invalid = admin.post_product("", web.unique(), "1.00")
    web.assert_html(invalid, 400, "POST /admin/products without a name")
    web.assert_layout(invalid, "the 400 page")
    taken = admin.post_product(f"Taken {web.unique()}", "tea-towel", "1.00")
    web.assert_html(taken, 409, "POST /admin/products with the taken slug tea-towel")
    web.assert_layout(taken, "the 409 page")


MARKUP = "<script>alert('tea')</script>"


@pytest.mark.weight(2)
@pytest.mark.requirement("R5")
def test_names_are_escaped_in_the_storefronts(client, admin, web):
    """A product name with markup is shown escaped on the shop and partner pages."""
    name = f"{MARKUP} Sencha {web.unique()}"
    slug = admin.create(name, step="step 1: adding a product whose name has markup")
    for path in (f"/shop/products/{slug}", "/partner/acme/"):
        resp = client.get(path)
        web.assert_html(resp, 200, f"step 2: GET {path}")
        assert MARKUP not in resp.text, f"step 2: {path} shows the name unescaped"
        assert "&lt;script&gt;" in resp.text, f"step 2: {path} does not show the name"


@pytest.mark.weight(2)
@pytest.mark.requirement("R5")
@pytest.mark.hint("Product names are user input: every page must show them as text.")
def test_names_are_escaped_in_the_admin(admin, web):
    """A product name with markup is shown escaped on the admin dashboard."""
    name = f"{MARKUP} Genmaicha {web.unique()}"
    admin.create(name, step="step 1: adding a product whose name has markup")
    page = admin.dashboard("step 2")
    assert MARKUP not in page, "step 2: /admin/ shows the name unescaped"
    assert "&lt;script&gt;" in page, "step 2: /admin/ does not show the name"
