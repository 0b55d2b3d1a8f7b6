"""Hidden suite for app-context: request data (headers, arguments) and configuration."""

from __future__ import annotations

import ast
import uuid

import pytest


def _user() -> str:
    return f"user-{uuid.uuid4().hex[:12]}"


def _create(client, user: str, title: str, body: str = "") -> dict:
    resp = client.post("/notes", json={"title": title, "body": body}, headers={"X-User": user})
    assert resp.status_code == 201, f"POST /notes answered {resp.status}, expected 201"
    note = resp.get_json()
    assert isinstance(note, dict) and isinstance(note.get("id"), int), (
        'POST /notes must answer the note as JSON with an integer "id"'
    )
    return note


def _titles(resp) -> list[str]:
    assert resp.status_code == 200, f"GET /notes answered {resp.status}"
    body = resp.get_json()
    assert isinstance(body, dict) and isinstance(body.get("notes"), list), (
        'GET /notes must answer {"notes": [...]}'
    )
    return [note.get("title") for note in body["notes"]]


@pytest.mark.weight(2)
@pytest.mark.skill("request-data")
def test_create_note_answers_the_note_owned_by_x_user(client):
    """POST /notes answers 201 with id, owner (the X-User header), title and body."""
    user = _user()
    note = _create(client, user, "Call the bank", "before noon")
    assert note == {
        "id": note["id"],
        "owner": user,
        "title": "Call the bank",
        "body": "before noon",
    }


@pytest.mark.weight(2)
@pytest.mark.skill("request-data")
def test_listing_shows_only_the_callers_notes(client):
    """GET /notes lists the X-User's notes and never another user's."""
    alice, bob = _user(), _user()
    _create(client, alice, "alice's secret")
    _create(client, bob, "bob's plan")
    assert _titles(client.get("/notes", headers={"X-User": alice})) == ["alice's secret"]
    assert _titles(client.get("/notes", headers={"X-User": bob})) == ["bob's plan"]


@pytest.mark.weight(2)
@pytest.mark.skill("request-data")
def test_another_users_note_is_404(client):
    """GET /notes/<id> answers the note to its owner and 404 to anyone else."""
    alice, mallory = _user(), _user()
    note = _create(client, alice, "diary")
    own = client.get(f"/notes/{note['id']}", headers={"X-User": alice})
    assert own.status_code == 200, f"the owner got {own.status} for their own note"
    assert own.get_json() == note
    other = client.get(f"/notes/{note['id']}", headers={"X-User": mallory})
    assert other.status_code == 404, f"another user got {other.status}, expected 404"
    assert "diary" not in other.text, "the 404 must not reveal the note"


@pytest.mark.weight(1)
@pytest.mark.skill("request-data")
def test_limit_argument_returns_the_newest_notes(client):
    """GET /notes?limit=2 answers the two newest notes, newest first."""
    user = _user()
    for title in ("one", "two", "three", "four"):
        _create(client, user, title)
    resp = client.get("/notes", headers={"X-User": user}, query_string={"limit": "2"})
    assert _titles(resp) == ["four", "three"]


@pytest.mark.weight(1)
@pytest.mark.skill("request-data")
def test_invalid_limit_is_400(client):
    """GET /notes with a limit that is not an integer from 1 to 100 is a JSON 400."""
    user = _user()
    for limit in ("abc", "0", "-1", "2.5", "101"):
        resp = client.get("/notes", headers={"X-User": user}, query_string={"limit": limit})
        assert resp.status_code == 400, f"limit={limit!r} answered {resp.status}, expected 400"
        assert resp.mimetype == "application/json", f"expected JSON, got {resp.content_type!r}"


@pytest.mark.weight(1)
@pytest.mark.skill("request-data")
def test_q_argument_filters_titles_case_insensitively(client):
    """GET /notes?q=... keeps notes whose title contains q, ignoring case."""
    user = _user()
    for title in ("Buy MILK", "Walk the dog", "milkshake recipe"):
        _create(client, user, title)
    resp = client.get("/notes", headers={"X-User": user}, query_string={"q": "milk"})
    assert _titles(resp) == ["milkshake recipe", "Buy MILK"]


@pytest.mark.weight(2)
@pytest.mark.skill("config")
def test_default_page_size_comes_from_app_config(client):
    """GET /notes without limit answers PAGE_SIZE notes, PAGE_SIZE set by FLASK_PAGE_SIZE."""
    user = _user()
    notes = [{"title": f"note {i}"} for i in range(5)]
    resp = client.post("/notes/import", json=notes, headers={"X-User": user})
    assert resp.status_code == 201, f"POST /notes/import answered {resp.status}"
    titles = _titles(client.get("/notes", headers={"X-User": user}))
    assert titles == ["note 4", "note 3", "note 2"], (
        f"expected the 3 newest notes (FLASK_PAGE_SIZE=3 in this run), got {titles}"
    )


def _is_main_guard(node: ast.AST) -> bool:
    """Tell whether node is `if __name__ == "__main__":` (it does not run at import)."""
    return (
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Compare)
        and isinstance(node.test.left, ast.Name)
        and node.test.left.id == "__name__"
    )


def _module_level_nodes(tree: ast.Module):
    """Yield the nodes that run at import time (not inside a function or class body)."""
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if _is_main_guard(node) or isinstance(
            node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda
        ):
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _is_env_read(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"}:
        return True
    return isinstance(node, ast.Name) and node.id in {"environ", "getenv"}


@pytest.mark.weight(1)
@pytest.mark.skill("config")
def test_configuration_lives_on_the_app_not_in_module_globals(source):
    """The app is built by the factory and views read settings through current_app."""
    problems = []
    for path in source.python_files():
        for node in _module_level_nodes(source.ast(path)):
            if isinstance(node, ast.Call) and (
                (isinstance(node.func, ast.Name) and node.func.id == "Flask")
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "Flask")
            ):
                problems.append(f"{path}:{node.lineno} creates the Flask app at import time")
            elif _is_env_read(node):
                problems.append(f"{path}:{node.lineno} reads the environment at import time")
    assert not problems, "; ".join(problems)
    assert "current_app" in source.all_text(), "no module uses current_app to read the config"
