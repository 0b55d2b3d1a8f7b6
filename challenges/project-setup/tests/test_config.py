"""Hidden suite for project-setup: settings from the config object and the environment."""

from __future__ import annotations

import ast

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
@pytest.mark.requirement("R4", "R8")
def test_home_greets_with_the_configured_greeting(client):
    """GET / answers {"message": <APP_GREETING>}: the environment overrides the default."""
    resp = client.get("/")
    assert resp.status_code == 200, f"GET / answered {resp.status}"
    assert resp.mimetype == "application/json", f"got Content-Type {resp.content_type!r}"
    assert resp.get_json() == {"message": GREETING}


@pytest.mark.visible
@pytest.mark.skill("configuration")
@pytest.mark.requirement("R10")
def test_health_is_ok(client):
    """GET /health answers 200 application/json {"status": "ok"}."""
    resp = client.get("/health")
    assert resp.status_code == 200, f"GET /health answered {resp.status}"
    assert resp.mimetype == "application/json", f"got Content-Type {resp.content_type!r}"
    assert resp.get_json() == {"status": "ok"}


@pytest.mark.weight(2)
@pytest.mark.skill("configuration")
@pytest.mark.requirement("R4", "R12")
def test_config_check_shows_the_greeting_from_the_environment(client):
    """/config-check shows "greeting" as set by APP_GREETING."""
    assert _config(client).get("greeting") == GREETING


@pytest.mark.weight(2)
@pytest.mark.skill("configuration")
@pytest.mark.requirement("R5")
@pytest.mark.hint("Environment variables are always strings: give each setting its type.")
def test_numbers_from_the_environment_are_numbers(client):
    """APP_ITEMS_PER_PAGE=50 becomes the integer 50, not the string "50"."""
    value = _config(client).get("items_per_page")
    assert value == 50 and isinstance(value, int) and not isinstance(value, bool), (
        f"items_per_page was {value!r}"
    )


@pytest.mark.weight(2)
@pytest.mark.skill("configuration")
@pytest.mark.requirement("R5")
@pytest.mark.hint("A setting turned off in the environment must read as off.")
def test_false_from_the_environment_is_false(client):
    """APP_MAINTENANCE=false is the boolean false: the service is not in maintenance."""
    value = _config(client).get("maintenance")
    assert value is False, f"maintenance was {value!r}"
    resp = client.get("/")
    assert resp.status_code == 200, f"APP_MAINTENANCE=false put / in maintenance: {resp.status}"
    assert resp.headers.get("Retry-After") is None, "GET / sent Retry-After outside maintenance"


@pytest.mark.skill("configuration")
@pytest.mark.requirement("R3")
def test_unset_settings_keep_their_defaults(client):
    """A setting with no environment variable keeps the config object's default ("UTC")."""
    assert _config(client).get("timezone") == "UTC"


@pytest.mark.weight(2)
@pytest.mark.skill("secrets")
@pytest.mark.requirement("R4", "R13")
def test_config_check_masks_the_database_password(client):
    """/config-check shows DATABASE_URL with the password replaced by ***."""
    assert _config(client).get("database_url") == MASKED_DATABASE_URL


@pytest.mark.skill("secrets")
@pytest.mark.requirement("R14")
def test_config_check_reports_the_secret_key_as_set(client):
    """/config-check says "secret_key_set": true, never the key itself."""
    assert _config(client).get("secret_key_set") is True


@pytest.mark.weight(2)
@pytest.mark.skill("secrets")
@pytest.mark.requirement("R12")
def test_config_check_shows_only_the_documented_keys(client):
    """/config-check shows exactly the documented settings, not a dump of app.config."""
    keys = set(_config(client))
    assert keys == CONFIG_CHECK_KEYS, (
        f"unexpected keys: {sorted(keys - CONFIG_CHECK_KEYS)}; "
        f"missing: {sorted(CONFIG_CHECK_KEYS - keys)}"
    )


@pytest.mark.weight(1)
@pytest.mark.skill("configuration")
@pytest.mark.requirement("R12")
def test_config_check_values_have_their_types(client):
    """/config-check's values are JSON strings, a number and booleans as documented."""
    body = _config(client)
    types = {
        "greeting": str,
        "items_per_page": int,
        "maintenance": bool,
        "timezone": str,
        "debug": bool,
        "database_url": str,
        "secret_key_set": bool,
    }
    wrong = {
        key: type(body[key]).__name__ if key in body else "missing"
        for key, kind in types.items()
        if not (
            key in body
            and isinstance(body[key], kind)
            and (kind is bool or not isinstance(body[key], bool))
        )
    }
    assert not wrong, f"values of the wrong JSON type: {wrong}"


# The defaults of the statement's settings table. The graded run's environment overrides all
# but TIMEZONE, so only the code can show them.
DEFAULTS = {
    "GREETING": "Hello from Pinboard",
    "ITEMS_PER_PAGE": 20,
    "MAINTENANCE": False,
    "TIMEZONE": "UTC",
    "DATABASE_URL": "sqlite:///pinboard.db",
}
OPTIONAL_DEFAULTS = {"DEBUG": False}  # Flask's own default already


def _is_env_lookup(node: ast.AST) -> bool:
    func = node.func if isinstance(node, ast.Call) else None
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in ("get", "getenv")


def _default_in(value: ast.AST) -> tuple[bool, object]:
    """(known, default) for an assigned value: a literal, or the literal fallback of a lookup."""
    if isinstance(value, ast.Constant):
        return True, value.value
    if isinstance(value, ast.Call) and _is_env_lookup(value):  # os.environ.get("APP_X", 20)
        fallbacks = [*value.args[1:], *(k.value for k in value.keywords if k.arg == "default")]
        if fallbacks and isinstance(fallbacks[0], ast.Constant):
            return True, fallbacks[0].value
    if (  # os.environ.get("APP_X") or 20
        isinstance(value, ast.BoolOp)
        and isinstance(value.op, ast.Or)
        and any(isinstance(v, ast.Call) and _is_env_lookup(v) for v in value.values)
    ):
        return _default_in(value.values[-1])
    if (  # int(os.environ.get("APP_X") or 20)
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id in ("int", "str", "float")
        and len(value.args) == 1
    ):
        return _default_in(value.args[0])
    return False, None


def _assigned_settings(tree: ast.Module) -> dict[str, list[ast.AST]]:
    """Every value given to an UPPERCASE setting: NAME = ..., {"NAME": ...}, f(NAME=...)."""
    found: dict[str, list[ast.AST]] = {}
    for node in ast.walk(tree):
        pairs: list[tuple[str, ast.AST]] = []
        if isinstance(node, ast.Assign):
            pairs = [(t.id, node.value) for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            pairs = [(node.target.id, node.value)]
        elif isinstance(node, ast.Dict):
            pairs = [
                (k.value, v)
                for k, v in zip(node.keys, node.values, strict=True)
                if isinstance(k, ast.Constant) and isinstance(k.value, str)
            ]
        elif isinstance(node, ast.Call):
            pairs = [(k.arg, k.value) for k in node.keywords if k.arg]
        for name, value in pairs:
            found.setdefault(name, []).append(value)
    return found


def _same(found: object, expected: object) -> bool:
    if isinstance(found, str) and not isinstance(expected, str):  # "20", "false" as fallbacks
        return found.strip().lower() == str(expected).lower()
    return found == expected and type(found) is type(expected)


@pytest.mark.weight(1)
@pytest.mark.skill("configuration")
@pytest.mark.requirement("R3")
def test_the_config_object_holds_the_documented_defaults(source):
    """pinboard/config.py gives every setting its documented default (20, False, "UTC"...)."""
    path = next((p for p in ("pinboard/config.py", "pinboard.py") if source.exists(p)), None)
    assert path, "no pinboard/config.py (nor a single-module pinboard.py) holds the defaults"
    assigned = _assigned_settings(source.ast(path))
    missing = [name for name in DEFAULTS if name not in assigned]
    assert not missing, f"{path} gives no default to {missing}"
    wrong = {}
    for name, expected in {**DEFAULTS, **OPTIONAL_DEFAULTS}.items():
        for value in assigned.get(name, []):
            known, default = _default_in(value)
            if known and not _same(default, expected):
                wrong[name] = default
    assert not wrong, f"{path}: defaults differ from the statement's table: {wrong}"


def _maintenance_evidence(tree: ast.Module) -> dict[str, bool]:
    """What one module writes of the maintenance answer: 503, its body, Retry-After: 120."""
    constants = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)]
    strings = [c for c in constants if isinstance(c, str)]
    ints = [c for c in constants if isinstance(c, int) and not isinstance(c, bool)]
    attributes = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    keywords = {k.arg for n in ast.walk(tree) if isinstance(n, ast.Call) for k in n.keywords}
    return {
        "the status 503": 503 in ints
        or "SERVICE_UNAVAILABLE" in attributes
        or any(s.startswith("503") for s in strings),
        'the key "error"': "error" in strings or "error" in keywords,
        "a Retry-After header": any(s.lower() == "retry-after" for s in strings)
        or "retry_after" in attributes,
        "120 seconds": 120 in ints or "120" in strings,
    }


@pytest.mark.weight(1)
@pytest.mark.skill("configuration")
@pytest.mark.requirement("R9")
def test_maintenance_answer_is_written(source):
    """The code answers 503 {"error": "down for maintenance"} with Retry-After: 120 in maintenance.

    The graded run has MAINTENANCE false, so only the code can show this answer.
    """
    modules = [p for p in source.python_files() if "down for maintenance" in source.text(p)]
    assert modules, 'no module writes the maintenance message "down for maintenance"'
    evidence = {}
    for path in modules:
        for what, present in _maintenance_evidence(source.ast(path)).items():
            evidence[what] = evidence.get(what, False) or present
    missing = [what for what, present in evidence.items() if not present]
    assert not missing, f"the maintenance answer lacks {', '.join(missing)}"
