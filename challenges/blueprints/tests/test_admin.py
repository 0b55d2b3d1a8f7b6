"""Hidden suite for blueprints: the admin blueprint, its own token check, and its form."""

from __future__ import annotations

import ast

import pytest

pytestmark = [pytest.mark.skill("blueprints")]

TOKEN_NAMES = {"ADMIN_TOKEN", "FLASK_ADMIN_TOKEN"}
# A form is accepted if it is not refused: the 303 itself is test_admin_create_answers_303's.
ACCEPTED = (200, 201, 302, 303)


def _literals(node: ast.AST) -> list[str]:
    return [
        repr(n.value)
        for n in ast.walk(node)
        if isinstance(n, ast.Constant)
        and isinstance(n.value, str | bytes)
        and n.value
        and n.value not in TOKEN_NAMES
    ]


def _names_token(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return node.id.upper() in TOKEN_NAMES
    if isinstance(node, ast.Attribute):
        return node.attr.upper() in TOKEN_NAMES
    if isinstance(node, ast.Subscript):
        return isinstance(node.slice, ast.Constant) and node.slice.value in TOKEN_NAMES
    if isinstance(node, ast.Call):  # config.get("ADMIN_TOKEN"), os.environ.get("FLASK_ADMIN_TOKEN")
        first = node.args[0] if node.args else None
        return isinstance(first, ast.Constant) and first.value in TOKEN_NAMES
    return False


def _written_tokens(tree: ast.Module) -> list[str]:
    """Literals that become the token: assigned, a fallback, or compared with the header."""
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if node.value is not None and any(_names_token(t) for t in targets):
                found += _literals(node.value)
        elif isinstance(node, ast.keyword) and (node.arg or "").upper() in TOKEN_NAMES:
            found += _literals(node.value)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value in TOKEN_NAMES:
                    found += _literals(value)
        elif isinstance(node, ast.Call) and _names_token(node):
            for fallback in [*node.args[1:], *(k.value for k in node.keywords)]:
                found += _literals(fallback)  # os.environ.get("FLASK_ADMIN_TOKEN", "dev")
        elif isinstance(node, ast.BoolOp) and any(_names_token(v) for v in node.values):
            for fallback in node.values:  # config.get("ADMIN_TOKEN") or "dev"
                if not _names_token(fallback):
                    found += _literals(fallback)
        elif isinstance(node, ast.Compare) and any(
            _reads_header(side) for side in (node.left, *node.comparators)
        ):  # request.headers.get("X-Admin-Token") == "s3cret-token"
            found += [
                repr(side.value)
                for side in (node.left, *node.comparators)
                if isinstance(side, ast.Constant)
                and isinstance(side.value, str)
                and len(side.value) >= 8
                and side.value.lower() != "x-admin-token"
            ]
    return found


def _reads_header(node: ast.AST) -> bool:
    return any(
        isinstance(n, ast.Constant)
        and isinstance(n.value, str)
        and n.value.lower() == "x-admin-token"
        for n in ast.walk(node)
    )


@pytest.mark.weight(2)
@pytest.mark.requirement("R3")
def test_admin_token_is_not_written_in_the_source(source, token):
    """No admin token is written in the code, not even as a fallback for a missing variable."""
    written = {
        path: hits for path in source.python_files() if (hits := _written_tokens(source.ast(path)))
    }
    assert not written, f"an admin token is written in the source: {written}"
    leaked = [path for path in source.files if token in source.text(path)]
    assert not leaked, f"the grading run's token is written in {leaked}"


@pytest.mark.weight(1)
@pytest.mark.requirement("R2")
def test_the_configured_token_is_the_one_the_admin_accepts(client, token):
    """GET /admin/ is 403 without a token and accepted with FLASK_ADMIN_TOKEN's value."""
    refused = client.get("/admin/")
    assert refused.status_code == 403, f"GET /admin/ without a token answered {refused.status}"
    accepted = client.get("/admin/", headers={"X-Admin-Token": token})
    assert accepted.status_code not in (401, 403), (
        f"GET /admin/ with the token from FLASK_ADMIN_TOKEN answered {accepted.status}"
    )


@pytest.mark.weight(3)
@pytest.mark.requirement("R9")
@pytest.mark.hint("Every admin route, not only the dashboard, must check the token.")
def test_admin_refuses_requests_without_the_right_token(client, token, web):
    """GET /admin/ without the right X-Admin-Token (none, empty, wrong, nearly right) is 403."""
    for what, headers in (
        ("no token", {}),
        ("an empty token", {"X-Admin-Token": ""}),
        ("a wrong token", {"X-Admin-Token": "guessed"}),
        ("the token cut short", {"X-Admin-Token": token[:-1]}),
        ("the token and more", {"X-Admin-Token": token + "0"}),
        ("the token in capitals", {"X-Admin-Token": token.upper()}),
        ("the token in another header", {"Authorization": f"Bearer {token}"}),
    ):
        web.assert_html(client.get("/admin/", headers=headers), 403, f"GET /admin/ with {what}")


@pytest.mark.weight(2)
@pytest.mark.requirement("R9")
def test_admin_post_without_the_token_stores_nothing(client, admin, web):
    """POST /admin/products with a wrong token is 403 and adds nothing."""
    for headers in ({}, {"X-Admin-Token": "guessed"}):
        slug = web.unique("forged")
        resp = client.post(
            "/admin/products",
            data={"name": f"Forged tea {slug}", "slug": slug, "price": "1.00"},
            headers=headers,
        )
        what = f"POST /admin/products with {headers or 'no token'}"
        web.assert_html(resp, 403, f"step 1: {what}")
        shown = admin.places_showing(slug)
        assert not shown, f"step 2: the product of a refused {what} shows in {shown}"


@pytest.mark.weight(2)
@pytest.mark.requirement("R10")
def test_token_check_applies_to_admin_only(client):
    """The token check is the admin blueprint's: shop, partner, API pages and / need none."""
    for path in ("/shop/", "/shop/products/tea-towel", "/partner/acme/", "/api/v1/products", "/"):
        resp = client.get(path)
        assert resp.status_code in (200, 302), f"GET {path} without a token answered {resp.status}"


@pytest.mark.weight(1)
@pytest.mark.skill("templates")
@pytest.mark.requirement("R11")
def test_admin_dashboard_lists_every_product(admin, web):
    """GET /admin/ is "Catalogue admin" with each product's name and price."""
    page = admin.dashboard("GET /admin/")
    assert web.h1(page, "Catalogue admin"), "/admin/ must have <h1>Catalogue admin</h1>"
    for name, price in (("Classic mug", "$12.50"), ("Tea towel", "$8.00")):
        assert name in page and price in page, f"/admin/ does not show {name} {price}"


@pytest.mark.weight(2)
@pytest.mark.skill("url-building")
@pytest.mark.requirement("R11")
def test_admin_dashboard_links_to_shop_pages(admin, web):
    """GET /admin/ links each product to its page in the main shop, /shop/products/<slug>."""
    page = admin.dashboard("GET /admin/")
    for slug in ("classic-mug", "tea-towel"):
        assert web.href(f"/shop/products/{slug}") in page, (
            f"the dashboard has no link to the shop page /shop/products/{slug}"
        )


@pytest.mark.weight(1)
@pytest.mark.skill("url-building")
@pytest.mark.requirement("R11")
def test_admin_dashboard_links_to_api_resources(admin, web):
    """GET /admin/ links each product to its API resource, /api/v1/products/<slug>."""
    page = admin.dashboard("GET /admin/")
    for slug in ("classic-mug", "tea-towel"):
        assert web.href(f"/api/v1/products/{slug}") in page, (
            f"the dashboard has no link to the API resource /api/v1/products/{slug}"
        )


@pytest.mark.weight(2)
@pytest.mark.skill("url-building")
@pytest.mark.requirement("R12")
def test_admin_create_answers_303_to_the_dashboard(admin, web):
    """POST /admin/products with a valid form answers 303 See Other, Location /admin/."""
    resp = admin.post_product(f"Morning blend {web.unique()}", web.unique(), "6.50")
    assert resp.status_code == 303, f"POST /admin/products answered {resp.status}, expected 303"
    assert web.path_of(resp.location) == "/admin/", f"redirected to {resp.location!r}"


@pytest.mark.weight(2)
@pytest.mark.requirement("R12")
def test_a_created_product_is_on_the_dashboard(admin, web):
    """A product added with POST /admin/products is listed by GET /admin/."""
    name = f"Evening blend {web.unique()}"
    slug = admin.create(name, "5", step="step 1: adding a product")
    page = admin.dashboard("step 2")
    assert name in page, f"step 2: the dashboard does not list the new product {name!r}"
    assert web.href(f"/shop/products/{slug}") in page, f"step 2: no link to its page ({slug})"


def _long_slug(unique: str, length: int) -> str:
    """A valid slug of exactly ``length`` characters that starts with ``unique``."""
    slug = f"{unique}-"
    while len(slug) < length:
        slug += "a1-"
    slug = slug[:length]
    return slug[:-1] + "z" if slug.endswith("-") else slug


@pytest.mark.weight(1)
@pytest.mark.requirement("R13")
@pytest.mark.parametrize("kind", ["64-characters", "one-group", "digit-groups"])
def test_valid_slugs_are_accepted(admin, web, kind):
    """Slugs of lowercase letters and digits joined by single hyphens, up to 64, are accepted."""
    slug = {
        "64-characters": _long_slug(web.unique("long"), 64),
        "one-group": web.unique("x").replace("-", ""),
        "digit-groups": f"{web.unique('blend')}-2-0",
    }[kind]
    resp = admin.post_product(f"Slug test {slug}", slug, "3.00")
    assert resp.status_code in ACCEPTED, f"the slug {slug!r} ({len(slug)}) answered {resp.status}"


@pytest.mark.weight(2)
@pytest.mark.requirement("R13")
def test_invalid_slugs_are_400_and_store_nothing(admin, web):
    """A slug over 64 characters, with capitals, spaces or stray hyphens is a 400 HTML page."""
    name = f"Bad slug {web.unique()}"
    base = web.unique("bad")
    for slug in (
        _long_slug(web.unique("long"), 65),
        base.replace("bad", "Bad"),
        base.replace("-", "--"),
        f"-{base}",
        f"{base}-",
        base.replace("-", " "),
        base.replace("-", "_"),
        base.replace("bad", "thé"),
        "",
    ):
        resp = admin.post_product(name, slug, "3.00")
        what = f"step 1: the slug {slug!r} ({len(slug)} characters)"
        web.assert_html(resp, 400, what)
        assert "slug" in resp.text.lower(), f"{what}: the 400 page does not say the slug is wrong"
    page = admin.dashboard("step 2")
    assert name not in page, "step 2: a product with an invalid slug was stored"


@pytest.mark.weight(1)
@pytest.mark.requirement("R14")
@pytest.mark.parametrize("kind", ["100-characters", "1-character", "100-between-spaces"])
def test_valid_names_are_accepted(admin, web, kind):
    """Names of 1 to 100 characters after trimming spaces are accepted."""
    tag = web.unique("n")
    name = {
        "100-characters": (tag + " ") + "x" * (99 - len(tag)),
        "1-character": "Z",
        "100-between-spaces": "   " + tag + " " + "y" * (99 - len(tag)) + "   ",
    }[kind]
    resp = admin.post_product(name, web.unique(), "3.00")
    assert resp.status_code in ACCEPTED, f"a name of {len(name)} characters answered {resp.status}"


@pytest.mark.weight(2)
@pytest.mark.requirement("R14")
def test_invalid_names_are_400_and_store_nothing(admin, web):
    """A name empty, only spaces, or over 100 characters after trimming is a 400 HTML page."""
    slugs = []
    for name in ("", "    ", "x" * 101, "  " + "y" * 101 + "  "):
        slug = web.unique("badname")
        slugs.append(slug)
        resp = admin.post_product(name, slug, "3.00")
        what = f"step 1: a name of {len(name)} characters"
        web.assert_html(resp, 400, what)
        assert "name" in resp.text.lower(), f"{what}: the 400 page does not say the name is wrong"
    page = admin.dashboard("step 2")
    stored = [slug for slug in slugs if slug in page]
    assert not stored, f"step 2: products with invalid names were stored: {stored}"


@pytest.mark.weight(1)
@pytest.mark.requirement("R14")
def test_names_are_stored_trimmed(admin, client, web):
    """A name sent between spaces is stored without them."""
    name = f"Trimmed tea {web.unique()}"
    slug = admin.create(f"   {name}  ", step="step 1: adding a name between spaces")
    resp = client.get(f"/api/v1/products/{slug}")
    assert resp.status_code == 200, f"step 2: GET /api/v1/products/{slug} answered {resp.status}"
    stored = (resp.get_json() or {}).get("name")
    assert stored == name, f"step 2: the name was stored as {stored!r}, not {name!r}"


@pytest.mark.weight(1)
@pytest.mark.requirement("R15")
@pytest.mark.parametrize(
    ("price", "shown"),
    [("12", "$12.00"), ("12.5", "$12.50"), ("12.50", "$12.50"), ("0.01", "$0.01")],
)
def test_valid_prices_are_accepted_and_shown(admin, client, web, price, shown):
    """Prices written 12, 12.5 or 12.50 (0.01 the smallest) are accepted and shown as $12.50."""
    name = f"Price test {web.unique()}"
    slug = admin.create(name, price, step=f"step 1: adding a product at {price!r}")
    resp = client.get(f"/shop/products/{slug}")
    web.assert_html(resp, 200, f"step 2: GET /shop/products/{slug}")
    assert shown in resp.text, f"step 2: a price written {price!r} must be shown as {shown}"


@pytest.mark.weight(2)
@pytest.mark.requirement("R15")
def test_invalid_prices_are_400_and_store_nothing(admin, web):
    """A price of 0, negative, with 3 decimals or not a number is a 400 HTML page."""
    name = f"Bad price {web.unique()}"
    for price in ("0", "0.00", "-1", "12.505", "cheap", "", "12,50", "1e3", "$12"):
        resp = admin.post_product(name, web.unique("badprice"), price)
        web.assert_html(resp, 400, f"step 1: the price {price!r}")
        assert "price" in resp.text.lower(), (
            f"step 1: the price {price!r}: the 400 page does not say the price is wrong"
        )
    page = admin.dashboard("step 2")
    assert name not in page, "step 2: a product with an invalid price was stored"


@pytest.mark.weight(2)
@pytest.mark.requirement("R16")
def test_a_taken_slug_is_409_and_stores_nothing(admin, web):
    """POST /admin/products with the slug of a house product is 409, and nothing changes."""
    name = f"Another mug {web.unique()}"
    resp = admin.post_product(name, "classic-mug", "2.00")
    web.assert_html(resp, 409, "step 1: POST /admin/products with the taken slug classic-mug")
    page = admin.dashboard("step 2")
    assert name not in page, "step 2: the product with a taken slug was stored"
    assert "Classic mug" in page, "step 2: the product that had the slug is gone"


@pytest.mark.weight(1)
@pytest.mark.requirement("R16")
def test_a_slug_taken_by_a_new_product_is_409(admin, web):
    """Adding a second product with the slug of one just added is 409."""
    slug = admin.create(f"First {web.unique()}", step="step 1: adding a product")
    resp = admin.post_product(f"Second {web.unique()}", slug, "2.00")
    web.assert_html(resp, 409, f"step 2: POST /admin/products with the taken slug {slug}")
