"""How passwords are stored, seen through the admin export of user records."""

from __future__ import annotations

import re

import pytest
from werkzeug.security import check_password_hash

pytestmark = [pytest.mark.skill("password-hashing"), pytest.mark.requirement("R19")]

WERKZEUG_HASH = re.compile(r"(scrypt|pbkdf2):[^$]+\$[^$]+\$[0-9a-f]{32,}")


@pytest.mark.weight(3)
@pytest.mark.hint("Passwords must never be stored as they were sent.")
def test_stored_password_is_not_plaintext(register, exported_users):
    """The stored password_hash of a new user is not the password and does not contain it"""
    username, password, _ = register("plain-text-is-bad-42")
    row = exported_users().get(username)
    assert row is not None, f"{username} missing from /admin/users.json"
    stored = row.get("password_hash")
    assert isinstance(stored, str) and stored, "password_hash must be a non-empty string"
    assert stored != password, "the password is stored in plain text"
    assert password not in stored, "the stored value contains the plain password"


@pytest.mark.weight(2)
def test_same_password_gets_different_hashes(register, exported_users):
    """Two users with the same password get different stored hashes (the hash is salted)"""
    first, _, _ = register("shared-password-1")
    second, _, _ = register("shared-password-1")
    users = exported_users()
    assert users[first]["password_hash"] != users[second]["password_hash"], (
        "identical hashes for identical passwords: no per-user salt"
    )


@pytest.mark.weight(2)
def test_stored_hash_is_a_werkzeug_key_derivation_hash(register, exported_users):
    """The stored hash is a werkzeug.security scrypt or pbkdf2 hash (method$salt$hash)"""
    username, _, _ = register()
    stored = exported_users()[username]["password_hash"]
    assert isinstance(stored, str) and WERKZEUG_HASH.fullmatch(stored), (
        "expected the output of werkzeug.security.generate_password_hash (scrypt or pbkdf2)"
    )


@pytest.mark.weight(2)
def test_stored_hash_verifies_the_password(register, exported_users):
    """check_password_hash(password_hash, password) is true for the stored hash, false otherwise"""
    username, password, _ = register("verify-me-please-3")
    stored = exported_users()[username]["password_hash"]
    assert isinstance(stored, str) and check_password_hash(stored, password), (
        "the exported password_hash does not verify the user's password with check_password_hash"
    )
    assert not check_password_hash(stored, password + "x"), "the hash verifies a wrong password"
