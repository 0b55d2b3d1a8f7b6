"""Who may see and change what: anonymous visitors, users, and admins."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import assert_json_error

pytestmark = [pytest.mark.skill("authorization")]


@pytest.mark.visible
@pytest.mark.requirement("R14", "R2")
@pytest.mark.weight(2)
def test_anonymous_api_me_is_401(client):
    """GET /api/me without logging in answers 401 with a JSON error"""
    assert_json_error(client.get("/api/me"), 401, "anonymous GET /api/me")


@pytest.mark.requirement("R12")
@pytest.mark.weight(2)
def test_anonymous_dashboard_redirects_to_login_with_next(client, where_browser_goes):
    """GET /dashboard without logging in answers 302 to /login?next=/dashboard"""
    response = client.get("/dashboard")
    assert response.status_code == 302, f"expected 302, got {response.status_code}"
    _, path = where_browser_goes(response.location)
    assert path == "/login", f"redirected to {response.location!r}, expected /login"
    next_values = parse_qs(urlsplit(response.location or "").query).get("next") or [""]
    # "/dashboard", "/dashboard?" (request.full_path) and the absolute URL all come back here.
    assert where_browser_goes(next_values[0]) == where_browser_goes("/dashboard"), (
        f"the login URL must carry next=/dashboard, got {response.location!r}"
    )


@pytest.mark.requirement("R13")
@pytest.mark.weight(1)
def test_api_me_returns_exactly_the_public_fields(user_client):
    """GET /api/me answers 200 with exactly {"id", "username", "role"} of the logged-in user"""
    http, username, user_id = user_client
    response = http.get("/api/me")
    assert response.status_code == 200, f"GET /api/me returned {response.status_code}"
    assert response.mimetype == "application/json", f"got {response.content_type!r}"
    assert response.get_json() == {"id": user_id, "username": username, "role": "user"}, (
        f"got {response.text[:200]!r}"
    )


@pytest.mark.requirement("R14", "R2")
@pytest.mark.weight(1)
def test_anonymous_admin_export_is_401(client):
    """GET /admin/users.json without logging in answers 401 with a JSON error"""
    assert_json_error(client.get("/admin/users.json"), 401, "anonymous GET /admin/users.json")


@pytest.mark.requirement("R14", "R2")
@pytest.mark.weight(1)
def test_anonymous_role_change_is_401_and_changes_nothing(client, register, exported_users):
    """PUT /admin/users/<id>/role without logging in answers 401 and changes nothing"""
    username, _, user_id = register()
    response = client.put(f"/admin/users/{user_id}/role", json={"role": "admin"})
    assert_json_error(response, 401, "step 1: anonymous PUT /admin/users/<id>/role")
    assert exported_users()[username].get("role") == "user", (
        "step 2: the anonymous request made the user an admin"
    )


@pytest.mark.requirement("R15", "R2")
@pytest.mark.weight(3)
def test_non_admin_gets_403_on_admin_export(user_client):
    """A logged-in user without the admin role gets a 403 JSON error from GET /admin/users.json"""
    http, _, _ = user_client
    response = http.get("/admin/users.json")
    assert_json_error(response, 403, "a user's GET /admin/users.json")
    assert "password_hash" not in response.text, "the 403 answer shows password hashes"


@pytest.mark.requirement("R15", "R2")
@pytest.mark.weight(4)
@pytest.mark.hint("Check the caller's role on every admin action, whoever the request names.")
def test_user_cannot_grant_themselves_admin(user_client, exported_users):
    """A non-admin's PUT /admin/users/<own id>/role answers 403 and the role stays user"""
    http, username, user_id = user_client
    response = http.put(f"/admin/users/{user_id}/role", json={"role": "admin"})
    assert_json_error(response, 403, "step 1: a user's PUT /admin/users/<own id>/role")
    assert exported_users()[username].get("role") == "user", (
        "step 2: the user made themselves an admin"
    )


@pytest.mark.requirement("R15", "R2")
@pytest.mark.weight(2)
def test_user_cannot_change_another_users_role(user_client, register, exported_users):
    """A non-admin's PUT /admin/users/<someone else>/role answers 403 and changes nothing"""
    http, _, _ = user_client
    other, _, other_id = register()
    response = http.put(f"/admin/users/{other_id}/role", json={"role": "admin"})
    assert_json_error(response, 403, "step 1: a user's PUT on another user's role")
    assert exported_users()[other].get("role") == "user", (
        "step 2: a non-admin changed another user's role"
    )


@pytest.mark.requirement("R16")
@pytest.mark.weight(2)
def test_admin_export_lists_every_user_by_id(register, admin_client, admin_username):
    """The admin's GET /admin/users.json lists every user (id, username, role, hash) by id"""
    first, _, first_id = register()
    second, _, second_id = register()
    response = admin_client.get("/admin/users.json")
    assert response.status_code == 200, f"the admin's export returned {response.status_code}"
    assert response.mimetype == "application/json", f"got {response.content_type!r}"
    body = response.get_json()
    assert isinstance(body, dict) and isinstance(body.get("users"), list), (
        f"expected {{'users': [...]}}, got {response.text[:200]!r}"
    )
    rows = body["users"]
    for row in rows:
        assert isinstance(row, dict) and set(row) == {"id", "username", "role", "password_hash"}, (
            f"each user must have exactly id, username, role, password_hash; got {row!r}"
        )
    by_name = {row["username"]: row for row in rows}
    assert by_name.get(admin_username, {}).get("role") == "admin", "the admin is missing"
    assert by_name.get(first, {}).get("id") == first_id, f"{first} missing or with another id"
    assert by_name.get(second, {}).get("id") == second_id, f"{second} missing or with another id"
    assert by_name[first]["role"] == by_name[second]["role"] == "user"
    ids = [row["id"] for row in rows]
    assert ids == sorted(ids), f"the users are not ordered by id: {ids[:20]}"


@pytest.mark.requirement("R17")
@pytest.mark.weight(2)
def test_role_change_answers_the_updated_user(register, admin_client):
    """The admin's PUT /admin/users/<id>/role answers 200 with {"id", "username", "role"}"""
    username, _, user_id = register()
    response = admin_client.put(f"/admin/users/{user_id}/role", json={"role": "admin"})
    assert response.status_code == 200, f"step 1: promotion returned {response.status_code}"
    assert response.get_json() == {"id": user_id, "username": username, "role": "admin"}, (
        f"step 1: got {response.text[:200]!r}"
    )
    response = admin_client.put(f"/admin/users/{user_id}/role", json={"role": "user"})
    assert response.status_code == 200, f"step 2: demotion returned {response.status_code}"
    assert response.get_json() == {"id": user_id, "username": username, "role": "user"}, (
        f"step 2: got {response.text[:200]!r}"
    )


@pytest.mark.requirement("R17", "R2")
@pytest.mark.weight(1)
@pytest.mark.parametrize(
    "body",
    [
        {"json": {"role": "superuser"}},
        {"json": {"role": "Admin"}},
        {"json": {}},
        {"json": ["admin"]},
        {"data": {"role": "admin"}},
    ],
    ids=["unknown-role", "wrong-case", "no-role", "json-list", "form-body"],
)
def test_role_change_rejects_anything_but_user_or_admin(
    register, admin_client, exported_users, body
):
    """PUT /admin/users/<id>/role answers 400 unless the body is JSON {"role": user|admin}"""
    username, _, user_id = register()
    response = admin_client.put(f"/admin/users/{user_id}/role", **body)
    assert_json_error(response, 400, f"step 1: PUT /admin/users/<id>/role with {body!r}")
    assert exported_users()[username].get("role") == "user", "step 2: the role changed anyway"


@pytest.mark.requirement("R17", "R2")
@pytest.mark.weight(1)
def test_role_change_of_an_unknown_user_is_404(admin_client):
    """PUT /admin/users/<id>/role for an id that does not exist answers 404 with a JSON error"""
    response = admin_client.put("/admin/users/987654321/role", json={"role": "user"})
    assert_json_error(response, 404, "PUT /admin/users/987654321/role")


@pytest.mark.requirement("R18")
@pytest.mark.weight(2)
def test_promotion_applies_on_the_next_request(user_client, admin_client):
    """A user promoted to admin can use the admin export on their next request, without re-login"""
    http, _, user_id = user_client
    promoted = admin_client.put(f"/admin/users/{user_id}/role", json={"role": "admin"})
    assert promoted.status_code == 200, f"step 1: the promotion returned {promoted.status_code}"
    response = http.get("/admin/users.json")
    assert response.status_code == 200, (
        f"step 2: the promoted user's next GET /admin/users.json returned {response.status_code}: "
        "is the role cached in the session?"
    )


@pytest.mark.requirement("R18")
@pytest.mark.weight(3)
@pytest.mark.hint("A change of role must apply from the user's next request, not next login.")
def test_demotion_applies_on_the_next_request(register, make_client, login, admin_client):
    """An admin who is demoted loses admin access on their very next request (no cached role)"""
    username, password, user_id = register()
    promoted = admin_client.put(f"/admin/users/{user_id}/role", json={"role": "admin"})
    assert promoted.status_code == 200, f"step 1: the promotion returned {promoted.status_code}"
    http = make_client()
    response = login(http, username, password)
    assert response.status_code in (302, 303), f"step 2: the login returned {response.status_code}"
    response = http.get("/admin/users.json")
    assert response.status_code == 200, (
        f"step 3: the new admin's GET /admin/users.json returned {response.status_code}"
    )
    demoted = admin_client.put(f"/admin/users/{user_id}/role", json={"role": "user"})
    assert demoted.status_code == 200, f"step 4: the demotion returned {demoted.status_code}"
    response = http.get("/admin/users.json")
    assert response.status_code == 403, (
        f"step 5: the demoted user's next GET /admin/users.json returned {response.status_code}, "
        "expected 403: a demoted admin kept admin access (is the role cached in the session?)"
    )
