"""The shop's accounts: usernames and their password hashes (never the passwords)."""

from __future__ import annotations

from werkzeug.security import check_password_hash

# alice / wonderland and bob / builder, hashed with werkzeug's generate_password_hash(...,
# method="scrypt:4096:8:1"): a lower cost than the default, so that many logins stay fast.
_PASSWORD_HASHES = {
    "alice": "scrypt:4096:8:1$fB5javtZapjH3zIO$52c00cc3c1835a70950c2a03fd049c121e3994fab9c7ec7faec48627e6ab6a2596a9371f9842032a4a3593ae6beb952bf21e70acaf62f29dd80687e49805c572",  # noqa: E501
    "bob": "scrypt:4096:8:1$YtmQKzz7OkkuJJpb$f08fc769f6c2b4ba51174547897674b75c105b085e1e3fb245d619427c1c86fb3c66ab33072d60134761735cae125d9b563fb6683f2821c5e0651374bda96579",  # noqa: E501
}


def check_credentials(username: object, password: object) -> bool:
    """Tell whether the username exists and the password is its password."""
    if not isinstance(username, str) or not isinstance(password, str):
        return False
    password_hash = _PASSWORD_HASHES.get(username)
    return password_hash is not None and check_password_hash(password_hash, password)
