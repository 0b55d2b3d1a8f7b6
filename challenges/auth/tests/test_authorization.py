"""Who may see what: anonymous visitors, users, and admins."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = [pytest.mark.skill("authorization")]


@pytest.mark.visible
@pytest.mark.weight(2)
def test_anonymous_api_me_is_401(client):
    """GET /api/me without logging in answers 401 with a JSON error"""
    response = client.get("/api/me")
    assert response.status_code == 401, f"expected 401, got {response.status_code}"
    body = response.get_json()
    assert isinstance(body, dict) and body.get("error"), 'expected a JSON body {"error": ...}'


@pytest.mark.weight(2)
def test_anonymous_dashboard_redirects_to_login_with_next(client, browser_target):
    """GET /dashboard without logging in redirects to /login?next=/dashboard"""
    response = client.get("/dashboard")
    assert response.status_code in (302, 303), f"expected a redirect, got {response.status_code}"
    target = urlsplit(response.location or "")
    assert target.path == "/login", f"redirected to {response.location!r}, expected /login"
    next_values = parse_qs(target.query).get("next") or [""]
    # "/dashboard", "/dashboard?" (request.full_path) and the absolute URL all come back here.
    assert browser_target(next_values[0]) == browser_target("/dashboard"), (
        f"the login URL must carry next=/dashboard, got {response.location!r}"
    )


@pytest.mark.weight(1)
def test_anonymous_admin_export_is_401(client):
    """GET /admin/users.json without logging in answers 401"""
    response = client.get("/admin/users.json")
    assert response.status_code == 401, f"expected 401, got {response.status_code}"


@pytest.mark.weight(3)
def test_non_admin_gets_403_on_admin_export(user_client):
    """A logged-in user without the admin role gets 403 from GET /admin/users.json"""
    http, _, _ = user_client
    response = http.get("/admin/users.json")
    assert response.status_code == 403, f"expected 403, got {response.status_code}"
    assert "password_hash" not in response.text


@pytest.mark.weight(2)
def test_admin_export_lists_users_with_roles(register, exported_users, admin_username):
    """The admin's GET /admin/users.json lists every user with id, username and role"""
    username, _ = register()
    users = exported_users()
    assert users.get(admin_username, {}).get("role") == "admin", (
        "the admin named by ADMIN_USERNAME must exist with the admin role"
    )
    row = users.get(username)
    assert row is not None, f"{username} missing from the export"
    assert row.get("role") == "user"
    assert isinstance(row.get("id"), int)


@pytest.mark.weight(3)
def test_user_cannot_grant_themselves_admin(user_client):
    """A non-admin's PUT /admin/users/<own id>/role answers 403 and changes nothing"""
    http, _, user_id = user_client
    response = http.put(f"/admin/users/{user_id}/role", json={"role": "admin"})
    assert response.status_code == 403, f"expected 403, got {response.status_code}"
    assert http.get("/api/me").get_json().get("role") == "user", "the user became an admin"
    assert http.get("/admin/users.json").status_code == 403


@pytest.mark.weight(2)
def test_role_change_applies_on_the_next_request(user_client, admin_client):
    """A role set by the admin applies to a logged-in user's next request, without re-login"""
    http, _, user_id = user_client
    assert http.get("/admin/users.json").status_code == 403
    promoted = admin_client.put(f"/admin/users/{user_id}/role", json={"role": "admin"})
    assert promoted.status_code == 200, f"promotion returned {promoted.status_code}"
    assert promoted.get_json().get("role") == "admin"
    assert http.get("/admin/users.json").status_code == 200, "promotion did not take effect"
    demoted = admin_client.put(f"/admin/users/{user_id}/role", json={"role": "user"})
    assert demoted.status_code == 200, f"demotion returned {demoted.status_code}"
    assert http.get("/admin/users.json").status_code == 403, (
        "a demoted user kept admin access: is the role cached in the session?"
    )


@pytest.mark.weight(1)
def test_role_change_rejects_bad_role_and_unknown_user(user_client, admin_client):
    """PUT /admin/users/<id>/role answers 400 for an unknown role and 404 for an unknown user"""
    _, _, user_id = user_client
    bad_role = admin_client.put(f"/admin/users/{user_id}/role", json={"role": "superuser"})
    assert bad_role.status_code == 400, f"role 'superuser': got {bad_role.status_code}"
    missing = admin_client.put("/admin/users/987654321/role", json={"role": "user"})
    assert missing.status_code == 404, f"unknown user id: got {missing.status_code}"
