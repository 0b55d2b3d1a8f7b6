"""Hidden suite for sessions: the cart lives in the session, and every change is saved."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.skill("cart")]


def _cart(client) -> dict:
    resp = client.get("/cart")
    assert resp.status_code == 200, f"GET /cart answered {resp.status}"
    return resp.get_json()


def _add(client, product: str, quantity: int = 1):
    return client.post("/cart", json={"product": product, "quantity": quantity})


@pytest.mark.weight(1)
def test_cart_needs_a_login(client):
    """GET, POST /cart and DELETE /cart/<product> answer 401 without a login."""
    assert client.get("/cart").status_code == 401
    assert _add(client, "green-tea").status_code == 401
    assert client.delete("/cart/green-tea").status_code == 401


@pytest.mark.weight(2)
def test_cart_keeps_items_between_requests(client, shop):
    """Items added with POST /cart are in GET /cart later, with the total in cents."""
    shop.logged_in(client)
    assert _add(client, "green-tea", 2).status_code == 200
    resp = _add(client, "oolong", 1)
    expected = {"items": {"green-tea": 2, "oolong": 1}, "total_cents": 1550}
    assert resp.status_code == 200, f"POST /cart answered {resp.status}"
    assert resp.get_json() == expected, "POST /cart should answer with the updated cart"
    assert _cart(client) == expected


@pytest.mark.weight(2)
def test_adding_to_an_existing_line_is_saved(client, shop):
    """Adding a product already in the cart adds to its quantity, and that is saved."""
    shop.logged_in(client)
    _add(client, "black-tea", 1)
    resp = _add(client, "black-tea", 2)
    assert resp.status_code == 200, f"got {resp.status}"
    assert _cart(client) == {"items": {"black-tea": 3}, "total_cents": 1200}


@pytest.mark.weight(2)
def test_removing_a_line_is_saved(client, shop):
    """DELETE /cart/<product> removes the line, and later requests see it gone."""
    shop.logged_in(client)
    _add(client, "green-tea", 2)
    _add(client, "black-tea", 1)
    resp = client.delete("/cart/green-tea")
    assert resp.status_code == 200, f"got {resp.status}"
    assert _cart(client) == {"items": {"black-tea": 1}, "total_cents": 400}


@pytest.mark.weight(1)
def test_quantity_defaults_to_one(client, shop):
    """POST /cart without "quantity" adds one."""
    shop.logged_in(client)
    resp = client.post("/cart", json={"product": "green-tea"})
    assert resp.status_code == 200, f"got {resp.status}"
    assert _cart(client) == {"items": {"green-tea": 1}, "total_cents": 450}


@pytest.mark.weight(1)
def test_removing_a_product_not_in_the_cart_is_fine(client, shop):
    """DELETE /cart/<product> for a product not in the cart answers 200 and the same cart."""
    shop.logged_in(client)
    _add(client, "oolong", 1)
    resp = client.delete("/cart/black-tea")
    assert resp.status_code == 200, f"got {resp.status}"
    assert resp.get_json() == {"items": {"oolong": 1}, "total_cents": 650}


@pytest.mark.weight(2)
def test_invalid_additions_are_400_and_change_nothing(client, shop):
    """An unknown product, or a quantity that is not an integer from 1 to 10, answers 400."""
    shop.logged_in(client)
    _add(client, "oolong", 1)
    assert _add(client, "coffee").get_json() == {"error": "unknown product"}
    for quantity in (0, -1, 11, "2", 1.5, True):
        resp = _add(client, "oolong", quantity)
        assert resp.status_code == 400, f"quantity {quantity!r} answered {resp.status}"
        assert resp.get_json() == {"error": "quantity must be an integer from 1 to 10"}
    assert _cart(client) == {"items": {"oolong": 1}, "total_cents": 650}


@pytest.mark.weight(1)
def test_a_line_holds_at_most_ten(client, shop):
    """Going over 10 of one product answers 400 and leaves the line as it was."""
    shop.logged_in(client)
    _add(client, "green-tea", 8)
    resp = _add(client, "green-tea", 3)
    assert resp.status_code == 400, f"got {resp.status}"
    assert resp.get_json() == {"error": "at most 10 of each product"}
    assert _cart(client) == {"items": {"green-tea": 8}, "total_cents": 3600}


@pytest.mark.weight(2)
def test_each_session_has_its_own_cart(make_client, shop):
    """Two logged-in browsers never see each other's cart."""
    alice, bob = make_client(), make_client()
    shop.logged_in(alice, "alice")
    shop.logged_in(bob, "bob")
    _add(alice, "oolong", 2)
    _add(bob, "black-tea", 1)
    assert _cart(alice) == {"items": {"oolong": 2}, "total_cents": 1300}
    assert _cart(bob) == {"items": {"black-tea": 1}, "total_cents": 400}


@pytest.mark.weight(1)
def test_the_cart_travels_in_the_session_cookie(client, shop):
    """The cart is in Flask's session cookie (readable, only signed), not stored on the server."""
    shop.logged_in(client)
    _add(client, "oolong", 4)
    payload = shop.payload_text(client.get_cookie(shop.cookie))
    assert "oolong" in payload, f"the session cookie does not hold the cart: {payload}"
