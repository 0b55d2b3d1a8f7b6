"""POST /register: validation, uniqueness, and what the response reveals."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.skill("registration")]


@pytest.mark.weight(1)
def test_register_requires_username_and_password(client, new_username):
    """POST /register without a username or a password answers 400 with a JSON error"""
    for form in ({}, {"password": "long-enough-1"}, {"username": new_username()}):
        response = client.post("/register", data=form)
        assert response.status_code == 400, (
            f"form fields {sorted(form)}: expected 400, got {response.status_code}"
        )
        body = response.get_json()
        assert isinstance(body, dict) and body.get("error"), 'expected a JSON body {"error": ...}'


@pytest.mark.weight(2)
def test_register_rejects_short_password(client, new_username):
    """POST /register rejects a password shorter than 8 characters with 400"""
    form = {"username": new_username(), "password": "1234567"}
    response = client.post("/register", data=form)
    assert response.status_code == 400, f"7-character password: got {response.status_code}"


@pytest.mark.weight(1)
def test_register_rejects_invalid_usernames(client):
    """POST /register rejects usernames that are not 3-32 letters, digits or underscores"""
    for username in ("ab", "has space", "<script>", "x" * 33):
        form = {"username": username, "password": "long-enough-1"}
        response = client.post("/register", data=form)
        assert response.status_code == 400, f"username {username!r}: got {response.status_code}"


@pytest.mark.weight(3)
def test_duplicate_username_is_409_and_keeps_the_account(client, make_client, login, new_username):
    """Registering a taken username answers 409 and the original password still works"""
    username = new_username()
    first = client.post("/register", data={"username": username, "password": "original-pass-1"})
    assert first.status_code == 201
    second = client.post("/register", data={"username": username, "password": "attacker-pass-2"})
    assert second.status_code == 409, f"duplicate username: expected 409, got {second.status_code}"
    assert login(make_client(), username, "attacker-pass-2").status_code == 401, (
        "the second registration replaced the account's password"
    )
    assert login(make_client(), username, "original-pass-1").status_code in (302, 303)


@pytest.mark.weight(1)
def test_responses_never_include_the_password(client, login, new_username):
    """The register response and GET /api/me show no password or password hash"""
    username, password = new_username(), "secret-pass-77"
    created = client.post("/register", data={"username": username, "password": password})
    assert created.status_code == 201
    assert login(client, username, password).status_code in (302, 303)
    me = client.get("/api/me")
    for response in (created, me):
        body = response.get_json()
        assert isinstance(body, dict), f"{response.request_path} must return a JSON object"
        assert body.get("username") == username
        assert not any("password" in key for key in body), f"leaked field in {sorted(body)}"
        assert password not in response.text
