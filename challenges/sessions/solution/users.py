"""The shop's accounts: usernames and their password hashes (never the passwords)."""

from __future__ import annotations

from werkzeug.security import check_password_hash

# alice / wonderland and bob / builder, hashed with werkzeug's generate_password_hash.
_PASSWORD_HASHES = {
    "alice": "scrypt:32768:8:1$twpKoLWr7OGVkoxW$934c6d8246333081ec27ee4795b799f1b46ab2c327da0ce02ffda1373199359bc06998081e8c86943cd8d6150ac75d0dbdd668cdb1f6b2f674ecada45fd6242f",  # noqa: E501
    "bob": "scrypt:32768:8:1$TC3lAHuCAj6jQ36s$6fb9f3f35ecb15f6d5e913f70959d1f31617f4d504c160eb37d13611ff26bd5451cedc812af3b182fcb840a035024d574686566867a3aa0f3055de66228679f8",  # noqa: E501
}


def check_credentials(username: object, password: object) -> bool:
    """Tell whether the username exists and the password is its password."""
    if not isinstance(username, str) or not isinstance(password, str):
        return False
    password_hash = _PASSWORD_HASHES.get(username)
    return password_hash is not None and check_password_hash(password_hash, password)
