"""Hidden suite for project-setup: settings from the config object and the environment."""

from __future__ import annotations

import pytest

# The values the manifest's [app.env] gives the app (kept in step with challenge.toml).
GREETING = "Welcome to the graded run"
MASKED_DATABASE_URL = "postgresql://pinboard:***@db.internal:5432/pinboard"
CONFIG_CHECK_KEYS = {
    "greeting",
    "items_per_page",
    "maintenance",
    "timezone",
    "debug",
    "database_url",
    "secret_key_set",
}


def _config(client) -> dict:
    resp = client.get("/config-check")
    assert resp.status_code == 200, f"GET /config-check answered {resp.status}"
    assert resp.mimetype == "application/json", f"got Content-Type {resp.content_type!r}"
    body = resp.get_json()
    assert isinstance(body, dict), "/config-check must answer a JSON object"
    return body


@pytest.mark.visible
@pytest.mark.weight(2)
@pytest.mark.skill("configuration")
def test_home_greets_with_the_configured_greeting(client):
    """GET / answers {"message": <APP_GREETING>}: the environment overrides the default."""
    resp = client.get("/")
    assert resp.status_code == 200, f"GET / answered {resp.status}"
    assert resp.mimetype == "application/json", f"got Content-Type {resp.content_type!r}"
    assert resp.get_json() == {"message": GREETING}


@pytest.mark.visible
@pytest.mark.skill("configuration")
def test_health_is_ok(client):
    """GET /health answers 200 {"status": "ok"}."""
    resp = client.get("/health")
    assert resp.status_code == 200, f"GET /health answered {resp.status}"
    assert resp.get_json() == {"status": "ok"}


@pytest.mark.weight(2)
@pytest.mark.skill("configuration")
def test_config_check_shows_the_greeting_from_the_environment(client):
    """/config-check shows "greeting" as set by APP_GREETING."""
    assert _config(client).get("greeting") == GREETING


@pytest.mark.weight(2)
@pytest.mark.skill("configuration")
def test_numbers_from_the_environment_are_numbers(client):
    """APP_ITEMS_PER_PAGE=50 becomes the integer 50, not the string "50"."""
    value = _config(client).get("items_per_page")
    assert value == 50 and isinstance(value, int) and not isinstance(value, bool), (
        f"items_per_page was {value!r}"
    )


@pytest.mark.weight(2)
@pytest.mark.skill("configuration")
def test_false_from_the_environment_is_false(client):
    """APP_MAINTENANCE=false is the boolean false: the service is not in maintenance."""
    assert _config(client).get("maintenance") is False
    assert client.get("/").status_code == 200, "APP_MAINTENANCE=false put the app in maintenance"


@pytest.mark.skill("configuration")
def test_unset_settings_keep_their_defaults(client):
    """A setting with no environment variable keeps the config object's default ("UTC")."""
    assert _config(client).get("timezone") == "UTC"


@pytest.mark.weight(2)
@pytest.mark.skill("secrets")
def test_config_check_masks_the_database_password(client):
    """/config-check shows DATABASE_URL with the password replaced by ***."""
    assert _config(client).get("database_url") == MASKED_DATABASE_URL


@pytest.mark.skill("secrets")
def test_config_check_reports_the_secret_key_as_set(client):
    """/config-check says "secret_key_set": true, never the key itself."""
    assert _config(client).get("secret_key_set") is True


@pytest.mark.weight(2)
@pytest.mark.skill("secrets")
def test_config_check_shows_only_the_documented_keys(client):
    """/config-check shows exactly the documented settings, not a dump of app.config."""
    keys = set(_config(client))
    assert keys == CONFIG_CHECK_KEYS, (
        f"unexpected keys: {sorted(keys - CONFIG_CHECK_KEYS)}; "
        f"missing: {sorted(CONFIG_CHECK_KEYS - keys)}"
    )
