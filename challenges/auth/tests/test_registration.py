"""POST /register: the new user, the username and password rules, and taken usernames."""

from __future__ import annotations

import pytest
from conftest import assert_json_error, unique_username

pytestmark = [pytest.mark.skill("registration")]


def _register_fresh(http, length: int, password: str = "long-enough-1"):
    """POST /register a fresh username of ``length``; retry if a short random name is taken."""
    for _ in range(5):
        username = unique_username(length)
        response = http.post("/register", data={"username": username, "password": password})
        if response.status_code != 409:
            return username, response
    return username, response


@pytest.mark.visible
@pytest.mark.requirement("R3")
@pytest.mark.weight(2)
def test_register_answers_201_with_the_new_user(client, new_username):
    """POST /register answers 201 with JSON {"id": <int>, "username": ..., "role": "user"}"""
    username = new_username()
    response = client.post("/register", data={"username": username, "password": "long-enough-1"})
    assert response.status_code == 201, f"expected 201, got {response.status_code}"
    body = response.get_json()
    assert isinstance(body, dict), f"expected a JSON object, got {response.text[:200]!r}"
    assert set(body) == {"id", "username", "role"}, f"expected id, username, role; got {body!r}"
    assert isinstance(body["id"], int) and not isinstance(body["id"], bool), "id must be an int"
    assert body["username"] == username and body["role"] == "user", f"got {body!r}"


@pytest.mark.requirement("R3")
@pytest.mark.weight(1)
def test_register_does_not_log_in(client, new_username):
    """POST /register does not log the new user in"""
    username = new_username()
    created = client.post("/register", data={"username": username, "password": "long-enough-1"})
    assert created.status_code == 201, f"step 1: POST /register returned {created.status_code}"
    me = client.get("/api/me")
    assert not (me.status_code == 200 and username in me.text), (
        "step 2: GET /api/me answers for the new user right after registering: it logged in"
    )


@pytest.mark.requirement("R4")
@pytest.mark.weight(1)
@pytest.mark.parametrize("length", [3, 32], ids=["3-characters", "32-characters"])
def test_register_accepts_usernames_at_the_length_limits(client, length):
    """POST /register accepts a username of exactly 3 and of exactly 32 characters"""
    username, response = _register_fresh(client, length)
    assert response.status_code == 201, (
        f"a {length}-character username ({username!r}) got {response.status_code}, expected 201"
    )


@pytest.mark.requirement("R4")
@pytest.mark.weight(1)
def test_register_accepts_every_allowed_character(client):
    """POST /register accepts a username made of upper and lower case letters, digits and _"""
    username = "Az_09_" + unique_username(10)
    response = client.post("/register", data={"username": username, "password": "long-enough-1"})
    assert response.status_code == 201, f"username {username!r}: got {response.status_code}"


@pytest.mark.requirement("R4", "R2")
@pytest.mark.weight(2)
def test_register_rejects_usernames_past_the_length_limits(client):
    """POST /register rejects a 2-character and a 33-character username with a 400 JSON error"""
    for username in (unique_username(2), unique_username(33)):
        response = client.post(
            "/register", data={"username": username, "password": "long-enough-1"}
        )
        assert_json_error(response, 400, f"a {len(username)}-character username")


@pytest.mark.requirement("R4", "R2")
@pytest.mark.weight(1)
def test_register_rejects_other_characters(client):
    """POST /register rejects usernames with characters other than letters, digits and _"""
    for username in ("has space", "dash-name", "dot.name", "<script>", "caf\u00e9_au_lait"):
        response = client.post(
            "/register", data={"username": username, "password": "long-enough-1"}
        )
        assert_json_error(response, 400, f"username {username!r}")


@pytest.mark.requirement("R4", "R2")
@pytest.mark.weight(1)
def test_register_rejects_surrounding_whitespace(client):
    """POST /register rejects a username with a trailing newline or surrounding spaces"""
    # re.match(r"^...$") lets "name\n" through: $ also matches before a final newline.
    for username in (unique_username() + "\n", " " + unique_username(), unique_username() + " "):
        response = client.post(
            "/register", data={"username": username, "password": "long-enough-1"}
        )
        assert_json_error(response, 400, f"username {username!r}")


@pytest.mark.requirement("R5")
@pytest.mark.weight(2)
def test_register_accepts_an_8_character_password(client, new_username):
    """POST /register accepts a password of exactly 8 characters"""
    form = {"username": new_username(), "password": "8chars!!"}
    response = client.post("/register", data=form)
    assert response.status_code == 201, f"8-character password: got {response.status_code}"


@pytest.mark.requirement("R5", "R2")
@pytest.mark.weight(2)
def test_register_rejects_a_7_character_password_and_creates_nothing(client, new_username):
    """POST /register rejects a 7-character password with a 400 JSON error and stores nothing"""
    username = new_username()
    response = client.post("/register", data={"username": username, "password": "7chars!"})
    assert_json_error(response, 400, "step 1: a 7-character password")
    retry = client.post("/register", data={"username": username, "password": "long-enough-1"})
    assert retry.status_code == 201, (
        f"step 2: registering {username!r} again with a valid password returned "
        f"{retry.status_code}: the rejected registration must not create the user"
    )


@pytest.mark.requirement("R4", "R5", "R2")
@pytest.mark.weight(1)
def test_register_requires_username_and_password(client, new_username):
    """POST /register without a username or a password answers 400 with a JSON error"""
    for form in ({}, {"password": "long-enough-1"}, {"username": new_username()}):
        response = client.post("/register", data=form)
        assert_json_error(response, 400, f"form with only {sorted(form) or 'no fields'}")


@pytest.mark.requirement("R6", "R2")
@pytest.mark.weight(2)
def test_duplicate_username_is_409(client, new_username):
    """Registering a taken username answers 409 with a JSON error"""
    username = new_username()
    first = client.post("/register", data={"username": username, "password": "original-pass-1"})
    assert first.status_code == 201, f"step 1: the first registration returned {first.status_code}"
    second = client.post("/register", data={"username": username, "password": "other-pass-2"})
    assert_json_error(second, 409, "step 2: registering the same username again")


@pytest.mark.requirement("R6")
@pytest.mark.weight(3)
def test_duplicate_username_keeps_the_original_account(client, make_client, login, new_username):
    """After a refused duplicate registration, only the original password logs in"""
    username = new_username()
    first = client.post("/register", data={"username": username, "password": "original-pass-1"})
    assert first.status_code == 201, f"step 1: the first registration returned {first.status_code}"
    client.post("/register", data={"username": username, "password": "attacker-pass-2"})
    owner = make_client()
    response = login(owner, username, "original-pass-1")
    assert response.status_code in (302, 303), (
        f"step 3: logging in with the original password returned {response.status_code}: "
        "the duplicate registration changed the account"
    )
    # Judge the second password by the session it starts, not by how a failed login answers.
    attacker = make_client()
    login(attacker, username, "attacker-pass-2")
    me = attacker.get("/api/me")
    assert not (me.status_code == 200 and username in me.text), (
        "step 4: the password sent with the refused registration logs in: it replaced the "
        "original one"
    )


@pytest.mark.requirement("R19")
@pytest.mark.weight(2)
def test_responses_never_include_the_password(make_client, login, new_username):
    """No answer but the admin export shows the password or its hash: register, login, me..."""
    http = make_client()
    username, password = new_username(), "secret-pass-77"
    created = http.post("/register", data={"username": username, "password": password})
    assert created.status_code == 201, f"step 1: POST /register returned {created.status_code}"
    logged_in = login(http, username, password)
    assert logged_in.status_code in (302, 303), (
        f"step 2: login returned {logged_in.status_code}, expected 302"
    )
    answers = [created, logged_in, http.get("/api/me"), http.get("/dashboard")]
    for response in answers:
        where = f"{response.request_path} ({response.status_code})"
        assert password not in response.text, f"{where} shows the password"
        assert "scrypt:" not in response.text and "pbkdf2:" not in response.text, (
            f"{where} shows a password hash"
        )
        body = response.get_json()
        if isinstance(body, dict):
            assert not any("password" in str(key) for key in body), (
                f"{where} has a password field: {sorted(body)}"
            )
