"""How the extension is wired: an unbound SQLAlchemy, init_app, safe under threads."""

from __future__ import annotations

import ast
from concurrent.futures import ThreadPoolExecutor

import pytest

pytestmark = [pytest.mark.skill("extension-setup")]


def _called_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


@pytest.mark.weight(2)
@pytest.mark.requirement("R1")
def test_sqlalchemy_is_bound_with_init_app(source):
    """SQLAlchemy() is created without an app and bound in the factory with init_app(app)"""
    # Structure, not behaviour: an app bound at import time serves requests just the same.
    constructions, init_app_calls = [], 0
    for path in source.python_files():
        for node in ast.walk(source.ast(path)):
            if isinstance(node, ast.Call) and _called_name(node) == "SQLAlchemy":
                constructions.append((path, node))
            elif isinstance(node, ast.Call) and _called_name(node) == "init_app":
                init_app_calls += 1
    assert constructions, "no SQLAlchemy(...) call: use Flask-SQLAlchemy"
    for path, call in constructions:
        bound = call.args or any(k.arg in ("app", None) for k in call.keywords)
        assert not bound, f"{path}:{call.lineno}: create SQLAlchemy() without the app"
    assert init_app_calls, "no init_app(...) call: bind the extension inside create_app()"


@pytest.mark.weight(2)
@pytest.mark.requirement("R2")
def test_concurrent_creates_all_succeed(make_client, new_author, isbn):
    """Eight simultaneous POST /books all succeed, with eight different ids"""
    author_id = new_author()["id"]
    clients = [make_client() for _ in range(8)]

    def create(http):
        payload = {"title": "Threads", "isbn": isbn(), "year": 1990, "author_id": author_id}
        return http.post("/books", json=payload)

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(create, clients))
    statuses = [r.status_code for r in responses]
    assert statuses == [201] * 8, f"eight simultaneous POST /books answered {statuses}"
    ids = {r.get_json()["id"] for r in responses}
    assert len(ids) == 8, f"ids were {sorted(ids)}"
    author = clients[0].get(f"/authors/{author_id}")
    assert author.status_code == 200, f"GET /authors/<id> afterwards answered {author.status}"
    listed = author.get_json()["books"]
    assert sorted(b["id"] for b in listed) == sorted(ids), "the author does not list all eight"
