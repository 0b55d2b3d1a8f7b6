"""Hidden suite for sessions: the cart lives in the session, and every change is saved."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.skill("cart")]

NOT_LOGGED_IN = {"error": "not logged in"}
UNKNOWN_PRODUCT = {"error": "unknown product"}
BAD_QUANTITY = {"error": "quantity must be an integer from 1 to 10"}
LINE_FULL = {"error": "at most 10 of each product"}


def _cart_of(items: dict[str, int]) -> dict:
    prices = {"green-tea": 450, "black-tea": 400, "oolong": 650}
    return {"items": items, "total_cents": sum(prices[p] * q for p, q in items.items())}


def _assert_error(resp, body: dict, what: str) -> None:
    assert resp.status_code == 400, f"{what} answered {resp.status}, expected 400"
    assert resp.get_json() == body, f"{what} answered {resp.text[:100]!r}, expected {body}"


@pytest.mark.weight(2)
@pytest.mark.requirement("R11")
@pytest.mark.hint("The cart belongs to a logged-in user: refuse it to anyone else.")
def test_cart_needs_a_login(client):
    """GET, POST /cart and DELETE /cart/<product> answer 401 {"error": "not logged in"}."""
    for method, path, body in (
        ("GET", "/cart", None),
        ("POST", "/cart", {"product": "green-tea", "quantity": 1}),
        ("DELETE", "/cart/green-tea", None),
    ):
        resp = client.open(path, method=method, json=body)
        assert resp.status_code == 401, f"{method} {path} without a login answered {resp.status}"
        assert resp.get_json() == NOT_LOGGED_IN, f"{method} {path} answered {resp.text[:80]!r}"


@pytest.mark.weight(1)
@pytest.mark.requirement("R14")
def test_cart_is_empty_after_login(client, shop):
    """Right after login, GET /cart answers 200 {"items": {}, "total_cents": 0}."""
    shop.logged_in(client)
    resp = client.get("/cart")
    assert resp.status_code == 200, f"GET /cart answered {resp.status}"
    assert resp.get_json() == _cart_of({}), f"GET /cart answered {resp.text[:80]!r}"


@pytest.mark.weight(2)
@pytest.mark.requirement("R15")
def test_post_cart_answers_the_updated_cart(client, shop):
    """POST /cart answers 200 and the whole updated cart, with the total in cents."""
    shop.logged_in(client)
    first = shop.add(client, "green-tea", 2)
    assert first.status_code == 200, f"POST /cart 2 green-tea answered {first.status}"
    assert first.get_json() == _cart_of({"green-tea": 2}), f"answered {first.text[:100]!r}"
    second = shop.add(client, "oolong", 1)
    assert second.status_code == 200, f"POST /cart 1 oolong answered {second.status}"
    assert second.get_json() == _cart_of({"green-tea": 2, "oolong": 1}), (
        f"after 2 green-tea, POST /cart 1 oolong answered {second.text[:100]!r}"
    )


@pytest.mark.weight(1)
@pytest.mark.requirement("R15")
def test_adding_to_an_existing_line_adds_up(client, shop):
    """POST /cart for a product already in the cart adds to its quantity."""
    shop.logged_in(client)
    shop.added(client, "black-tea", 1, "step 1: adding 1 black-tea")
    answered = shop.added(client, "black-tea", 2, "step 2: adding 2 more black-tea")
    assert answered == _cart_of({"black-tea": 3}), f"step 2: POST /cart answered {answered}"


@pytest.mark.weight(1)
@pytest.mark.requirement("R15")
def test_quantity_defaults_to_one(client, shop):
    """POST /cart without "quantity" adds one."""
    shop.logged_in(client)
    resp = shop.add(client, "green-tea")
    assert resp.status_code == 200, f"POST /cart without a quantity answered {resp.status}"
    assert resp.get_json() == _cart_of({"green-tea": 1}), f"answered {resp.text[:100]!r}"


@pytest.mark.weight(2)
@pytest.mark.requirement("R16")
def test_delete_answers_the_cart_without_the_line(client, shop):
    """DELETE /cart/<product> answers 200 and the cart without that line."""
    shop.logged_in(client)
    shop.added(client, "green-tea", 2, "step 1: adding 2 green-tea")
    resp = client.delete("/cart/green-tea")
    assert resp.status_code == 200, f"step 2: DELETE /cart/green-tea answered {resp.status}"
    assert resp.get_json() == _cart_of({}), f"step 2: DELETE answered {resp.text[:100]!r}"


@pytest.mark.weight(1)
@pytest.mark.requirement("R16")
def test_delete_keeps_the_other_lines(client, shop):
    """DELETE /cart/<product> removes only that line: the others stay."""
    shop.logged_in(client)
    shop.added(client, "green-tea", 2, "setup: adding 2 green-tea")
    shop.added(client, "black-tea", 1, "setup: adding 1 black-tea")
    before = shop.cart(client, "setup")
    assert before == _cart_of({"green-tea": 2, "black-tea": 1}), (
        f"setup: the cart did not keep both additions ({before}), so removing one cannot be "
        "checked: see the tests that additions are saved"
    )
    resp = client.delete("/cart/green-tea")
    assert resp.status_code == 200, f"DELETE /cart/green-tea answered {resp.status}"
    assert resp.get_json() == _cart_of({"black-tea": 1}), f"DELETE answered {resp.text[:100]!r}"


@pytest.mark.weight(1)
@pytest.mark.requirement("R16")
def test_removing_a_product_not_in_the_cart_is_fine(client, shop):
    """DELETE /cart/<product> for a product not in the cart answers 200 and the same cart."""
    shop.logged_in(client)
    shop.added(client, "oolong", 1, "step 1: adding 1 oolong")
    for product in ("black-tea", "coffee"):
        resp = client.delete(f"/cart/{product}")
        assert resp.status_code == 200, f"DELETE /cart/{product} answered {resp.status}"
        assert resp.get_json() == _cart_of({"oolong": 1}), f"answered {resp.text[:100]!r}"
    assert shop.cart(client) == _cart_of({"oolong": 1}), "the cart changed"


@pytest.mark.weight(2)
@pytest.mark.requirement("R17")
def test_additions_are_saved(client, shop):
    """Products added one after the other are all in GET /cart later."""
    shop.logged_in(client)
    shop.added(client, "green-tea", 2, "step 1: adding 2 green-tea")
    shop.added(client, "oolong", 1, "step 2: adding 1 oolong")
    cart = shop.cart(client, "step 3: reading the cart")
    assert cart == _cart_of({"green-tea": 2, "oolong": 1}), (
        f"step 3: GET /cart shows {cart}: an addition was not saved in the session"
    )


@pytest.mark.weight(2)
@pytest.mark.requirement("R17")
@pytest.mark.hint("A change made inside the cart must still be there on the next request.")
def test_adding_to_an_existing_line_is_saved(client, shop):
    """More of a product already in the cart is saved: GET /cart shows the new quantity."""
    shop.logged_in(client)
    shop.added(client, "black-tea", 1, "step 1: adding 1 black-tea")
    shop.added(client, "black-tea", 2, "step 2: adding 2 more black-tea")
    cart = shop.cart(client, "step 3: reading the cart")
    assert cart == _cart_of({"black-tea": 3}), (
        f"step 3: GET /cart shows {cart}: the bigger line was not saved in the session"
    )


@pytest.mark.weight(2)
@pytest.mark.requirement("R17")
def test_removals_are_saved(client, shop):
    """A line removed with DELETE /cart/<product> stays gone in GET /cart."""
    shop.logged_in(client)
    shop.added(client, "green-tea", 2, "step 1: adding 2 green-tea")
    resp = client.delete("/cart/green-tea")
    assert resp.status_code == 200, f"step 2: DELETE /cart/green-tea answered {resp.status}"
    cart = shop.cart(client, "step 3: reading the cart")
    assert cart == _cart_of({}), (
        f"step 3: GET /cart shows {cart}: the removal was not saved in the session"
    )


@pytest.mark.weight(2)
@pytest.mark.requirement("R18")
def test_unknown_product_is_400(client, shop):
    """A product not in the catalogue answers 400 {"error": "unknown product"}."""
    shop.logged_in(client)
    _assert_error(shop.add(client, "coffee", 1), UNKNOWN_PRODUCT, "POST /cart 1 coffee")


@pytest.mark.weight(1)
@pytest.mark.requirement("R18", "R5")
def test_missing_or_malformed_product_is_400(client, shop):
    """No product, a product that is not a string, or a body that is not JSON: 400 in JSON."""
    shop.logged_in(client)
    shop.added(client, "oolong", 1, "step 1: adding 1 oolong")
    for what, kwargs in (
        ("without a product", {"json": {"quantity": 1}}),
        ("with a list as product", {"json": {"product": ["oolong"], "quantity": 1}}),
        ("with a JSON list", {"json": ["oolong", 1]}),
        ("with a form", {"data": {"product": "oolong", "quantity": "1"}}),
    ):
        _assert_error(client.post("/cart", **kwargs), UNKNOWN_PRODUCT, f"POST /cart {what}")
    assert shop.cart(client) == _cart_of({"oolong": 1}), "a refused addition changed the cart"


@pytest.mark.weight(1)
@pytest.mark.requirement("R19")
@pytest.mark.parametrize("quantity", [1, 10])
def test_quantity_boundaries_are_accepted(client, shop, quantity):
    """POST /cart accepts the smallest and largest quantities, 1 and 10."""
    shop.logged_in(client)
    resp = shop.add(client, "black-tea", quantity)
    assert resp.status_code == 200, f"quantity {quantity} answered {resp.status} {resp.text[:80]}"
    assert resp.get_json() == _cart_of({"black-tea": quantity}), f"answered {resp.text[:100]!r}"


@pytest.mark.weight(3)
@pytest.mark.requirement("R19")
@pytest.mark.hint("Refuse a bad quantity before changing anything.")
def test_invalid_quantities_are_400_and_change_nothing(client, shop):
    """A quantity that is not a JSON integer from 1 to 10 answers 400 and changes nothing."""
    shop.logged_in(client)
    shop.added(client, "oolong", 1, "step 1: adding 1 oolong")
    for quantity in (0, 11, -1, "2", 1.5, True, None, [2]):
        what = f"POST /cart with quantity {quantity!r}"
        resp = client.post("/cart", json={"product": "oolong", "quantity": quantity})
        _assert_error(resp, BAD_QUANTITY, what)
    assert shop.cart(client) == _cart_of({"oolong": 1}), "a refused addition changed the cart"


@pytest.mark.weight(1)
@pytest.mark.requirement("R20")
def test_a_line_of_exactly_ten_is_accepted(client, shop):
    """8 then 2 of one product makes a line of 10: accepted."""
    shop.logged_in(client)
    shop.added(client, "green-tea", 8, "step 1: adding 8 green-tea")
    resp = shop.add(client, "green-tea", 2)
    assert resp.status_code == 200, f"step 2: 2 more (10 in all) answered {resp.status}"
    assert resp.get_json() == _cart_of({"green-tea": 10}), f"step 2: {resp.text[:100]!r}"


@pytest.mark.weight(2)
@pytest.mark.requirement("R20")
def test_a_line_over_ten_is_400_and_unchanged(client, shop):
    """Going over 10 of one product (8 then 3) answers 400 and leaves the line as it was."""
    shop.logged_in(client)
    shop.added(client, "green-tea", 8, "step 1: adding 8 green-tea")
    _assert_error(shop.add(client, "green-tea", 3), LINE_FULL, "step 2: 3 more (11 in all)")
    cart = shop.cart(client, "step 3")
    assert cart == _cart_of({"green-tea": 8}), f"step 3: the refused addition changed it: {cart}"


@pytest.mark.weight(1)
@pytest.mark.requirement("R20")
def test_a_full_line_takes_no_more(client, shop):
    """A line of 10 takes no more: one more answers 400."""
    shop.logged_in(client)
    shop.added(client, "oolong", 10, "step 1: adding 10 oolong")
    _assert_error(shop.add(client, "oolong", 1), LINE_FULL, "step 2: 1 more oolong (11 in all)")


@pytest.mark.weight(2)
@pytest.mark.requirement("R12")
def test_each_session_has_its_own_cart(make_client, shop):
    """Two logged-in browsers never see each other's cart."""
    alice, bob = make_client(), make_client()
    shop.logged_in(alice, "alice")
    shop.logged_in(bob, "bob")
    shop.added(alice, "oolong", 2, "alice adding 2 oolong")
    shop.added(bob, "black-tea", 1, "bob adding 1 black-tea")
    assert shop.cart(alice, "alice") == _cart_of({"oolong": 2}), "alice's cart"
    assert shop.cart(bob, "bob") == _cart_of({"black-tea": 1}), "bob's cart"


@pytest.mark.weight(1)
@pytest.mark.requirement("R12")
def test_the_cart_travels_in_the_session_cookie(client, shop):
    """The cart is in Flask's session cookie (readable, only signed), not stored on the server."""
    shop.logged_in(client)
    shop.added(client, "oolong", 4, "step 1: adding 4 oolong")
    payload = shop.payload_text(client.get_cookie(shop.cookie))
    assert "oolong" in payload, f"the session cookie does not hold the cart: {payload}"


@pytest.mark.weight(1)
@pytest.mark.requirement("R12")
def test_an_older_cookie_shows_the_older_cart(make_client, shop):
    """A copy of an older session cookie still shows the cart as it was then."""
    client = make_client()
    shop.logged_in(client)
    shop.added(client, "oolong", 1, "step 1: adding 1 oolong")
    older = client.get_cookie(shop.cookie)
    shop.added(client, "green-tea", 2, "step 2: adding 2 green-tea")
    copy = make_client()
    copy.set_cookie(shop.cookie, older)
    cart = shop.cart(copy, "step 3: reading the cart with the older cookie")
    assert cart == _cart_of({"oolong": 1}), (
        f"the older cookie shows {cart}: the cart is not kept in the cookie itself"
    )


@pytest.mark.weight(1)
@pytest.mark.requirement("R5")
def test_answers_are_json(client, shop):
    """Answers of the cart and login routes, errors included, are application/json."""
    answers = [("POST /login (wrong password)", client.post("/login", json={"username": "bob"}))]
    answers.append(("GET /cart (no login)", client.get("/cart")))
    shop.logged_in(client)
    answers.append(("GET /cart", client.get("/cart")))
    answers.append(("POST /cart (unknown product)", shop.add(client, "coffee", 1)))
    answers.append(("DELETE /cart/oolong", client.delete("/cart/oolong")))
    answers.append(("POST /logout", client.post("/logout")))
    for what, resp in answers:
        assert resp.mimetype == "application/json", f"{what} answered {resp.content_type!r}"
