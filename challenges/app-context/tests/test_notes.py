"""Hidden suite for app-context: request data (headers, arguments, bodies) and configuration."""

from __future__ import annotations

import ast
import uuid

import pytest


def _user() -> str:
    return f"user-{uuid.uuid4().hex[:12]}"


def _create(client, user: str, title: str, body: str = "") -> dict:
    resp = client.post("/notes", json={"title": title, "body": body}, headers={"X-User": user})
    assert resp.status_code == 201, f"setup: POST /notes answered {resp.status}, expected 201"
    note = resp.get_json()
    assert isinstance(note, dict) and isinstance(note.get("id"), int), (
        'setup: POST /notes must answer the note as JSON with an integer "id"'
    )
    return note


def _titles(resp) -> list[str]:
    assert resp.status_code == 200, f"GET /notes answered {resp.status}"
    body = resp.get_json()
    assert isinstance(body, dict) and isinstance(body.get("notes"), list), (
        'GET /notes must answer {"notes": [...]}'
    )
    return [note.get("title") for note in body["notes"]]


def _json_error(resp, status: int) -> dict:
    assert resp.status_code == status, f"expected {status}, got {resp.status}"
    assert resp.mimetype == "application/json", f"expected JSON, got {resp.content_type!r}"
    body = resp.get_json()
    assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], (
        f'error bodies must be {{"error": "<message>"}}, got {body!r}'
    )
    return body


# -- R3: every answer is JSON ----------------------------------------------------------------


@pytest.mark.weight(1)
@pytest.mark.skill("request-data")
@pytest.mark.requirement("R3")
def test_unknown_url_and_wrong_method_are_json_errors(client):
    """An unknown URL is a JSON 404 and a method a route does not allow is a JSON 405."""
    _json_error(client.get(f"/no-such-page-{uuid.uuid4().hex[:8]}"), 404)
    _json_error(client.put("/health"), 405)
    _json_error(client.delete("/notes/1", headers={"X-User": _user()}), 405)


# -- R8, R9: creating a note -----------------------------------------------------------------


@pytest.mark.weight(2)
@pytest.mark.skill("request-data")
@pytest.mark.requirement("R8", "R3")
def test_create_note_answers_the_note_owned_by_x_user(client):
    """POST /notes answers 201 JSON with id, owner (the X-User header), title and body."""
    user = _user()
    resp = client.post(
        "/notes", json={"title": "Call the bank", "body": "before noon"}, headers={"X-User": user}
    )
    assert resp.status_code == 201, f"POST /notes answered {resp.status}, expected 201"
    assert resp.mimetype == "application/json", f"expected JSON, got {resp.content_type!r}"
    note = resp.get_json()
    assert isinstance(note, dict) and isinstance(note.get("id"), int), f"got {note!r}"
    assert note == {
        "id": note["id"],
        "owner": user,
        "title": "Call the bank",
        "body": "before noon",
    }


@pytest.mark.weight(1)
@pytest.mark.skill("request-data")
@pytest.mark.requirement("R8")
def test_body_defaults_to_an_empty_string(client):
    """POST /notes without "body" stores the note with "body": ""."""
    user = _user()
    resp = client.post("/notes", json={"title": "No body"}, headers={"X-User": user})
    assert resp.status_code == 201, f"POST /notes answered {resp.status}, expected 201"
    note = resp.get_json()
    assert note.get("body") == "", f'"body" is {note.get("body")!r}, expected ""'


@pytest.mark.weight(3)
@pytest.mark.skill("request-data")
@pytest.mark.requirement("R9")
def test_body_that_is_not_json_is_400_not_415(client):
    """A form post, a text/plain body or no body at all is a JSON 400 (the statement's code)."""
    headers = {"X-User": _user()}
    form = client.post("/notes", data={"title": "a form post"}, headers=headers)
    assert form.status_code == 400, f"a form post answered {form.status}, the statement says 400"
    _json_error(form, 400)
    text = client.post(
        "/notes",
        data='{"title": "typed as text"}',
        headers={**headers, "Content-Type": "text/plain"},
    )
    _json_error(text, 400)
    _json_error(client.post("/notes", headers=headers), 400)


@pytest.mark.weight(2)
@pytest.mark.skill("request-data")
@pytest.mark.requirement("R9")
def test_invalid_note_payloads_are_400(client):
    """Bad JSON, a non-object, a missing, non-string or blank title, a non-string body: 400."""
    headers = {"X-User": _user()}
    raw = client.post(
        "/notes", data="{not json", headers={**headers, "Content-Type": "application/json"}
    )
    _json_error(raw, 400)
    for payload in (
        ["title"],
        "title",
        {},
        {"body": "no title"},
        {"title": 7},
        {"title": None},
        {"title": "   "},
        {"title": "ok", "body": 5},
        {"title": "ok", "body": None},
    ):
        resp = client.post("/notes", json=payload, headers=headers)
        assert resp.status_code == 400, f"payload {payload!r} answered {resp.status}, expected 400"
        _json_error(resp, 400)


@pytest.mark.weight(1)
@pytest.mark.skill("request-data")
@pytest.mark.requirement("R9")
def test_title_of_200_characters_is_accepted_201_is_not(client):
    """A 200-character title is stored; a 201-character one is a 400."""
    user = _user()
    title = ("T" + uuid.uuid4().hex * 7)[:200]
    note = _create(client, user, title)
    assert note["title"] == title, "the 200-character title was not stored as sent"
    _json_error(client.post("/notes", json={"title": title + "x"}, headers={"X-User": user}), 400)


# -- R10, R11, R12: importing ----------------------------------------------------------------


@pytest.mark.weight(2)
@pytest.mark.skill("request-data")
@pytest.mark.requirement("R10")
def test_import_answers_the_new_ids_in_order(client):
    """POST /notes/import answers 201 {"imported": n, "ids": [...]}, each id the note sent."""
    user = _user()
    notes = [{"title": "first", "body": "1"}, {"title": "second"}, {"title": "third"}]
    resp = client.post("/notes/import", json=notes, headers={"X-User": user})
    assert resp.status_code == 201, f"step 1: POST /notes/import answered {resp.status}"
    body = resp.get_json()
    assert isinstance(body, dict) and body.get("imported") == 3, f"step 1: got {body!r}"
    ids = body.get("ids")
    assert isinstance(ids, list) and len(ids) == 3, f'step 1: "ids" is {ids!r}'
    for note_id, sent in zip(ids, notes, strict=True):
        got = client.get(f"/notes/{note_id}", headers={"X-User": user})
        assert got.status_code == 200, f"step 2: GET /notes/{note_id} answered {got.status}"
        expected = {"id": note_id, "owner": user, "title": sent["title"]}
        assert got.get_json() == expected | {"body": sent.get("body", "")}, (
            f"step 2: id {note_id} is {got.get_json()!r}, expected the note {sent!r}"
        )


@pytest.mark.weight(1)
@pytest.mark.skill("request-data")
@pytest.mark.requirement("R10")
def test_import_of_50_notes_is_accepted(client):
    """An import of exactly 50 notes answers 201 and stores all 50."""
    user = _user()
    notes = [{"title": f"bulk {i}"} for i in range(50)]
    resp = client.post("/notes/import", json=notes, headers={"X-User": user})
    assert resp.status_code == 201, f"importing 50 notes answered {resp.status}, expected 201"
    assert resp.get_json().get("imported") == 50, f"got {resp.get_json()!r}"


@pytest.mark.weight(2)
@pytest.mark.skill("request-data")
@pytest.mark.requirement("R10", "R11", "R12")
def test_import_that_is_not_an_array_of_1_to_50_is_400_without_index(client):
    """51 notes, [], an object or bad JSON: 400 without "index", and nothing is stored."""
    user = _user()
    headers = {"X-User": user}
    for kwargs in (
        {"json": [{"title": f"too many {i}"} for i in range(51)]},
        {"json": []},
        {"json": {"title": "an object"}},
        {"data": "[{", "headers": {**headers, "Content-Type": "application/json"}},
    ):
        resp = client.post("/notes/import", **({"headers": headers} | kwargs))
        body = _json_error(resp, 400)
        assert "index" not in body, f"{kwargs} is not an array of notes, yet got {body!r}"
    listed = client.get("/notes", headers=headers, query_string={"limit": 100})
    assert _titles(listed) == [], "a refused import stored notes"


@pytest.mark.weight(1)
@pytest.mark.skill("request-data")
@pytest.mark.requirement("R11")
def test_import_body_that_is_not_json_is_400_not_415(client):
    """An import sent as a form post or as text/plain is a 400 without "index", not a 415."""
    headers = {"X-User": _user()}
    form = client.post("/notes/import", data={"title": "a form post"}, headers=headers)
    assert form.status_code == 400, f"a form post answered {form.status}, the statement says 400"
    assert "index" not in _json_error(form, 400), "a form post has no notes to index"
    text = client.post(
        "/notes/import",
        data='[{"title": "typed as text"}]',
        headers={**headers, "Content-Type": "text/plain"},
    )
    assert "index" not in _json_error(text, 400), "a text/plain body has no notes to index"


@pytest.mark.weight(1)
@pytest.mark.skill("request-data")
@pytest.mark.requirement("R11")
def test_import_names_the_first_invalid_note(client):
    """With several invalid notes, the 400 names the first one's 0-based index."""
    headers = {"X-User": _user()}
    for notes, index in (
        ([{"title": ""}, {"title": 7}], 0),
        ([{"title": "ok"}, "not an object", {"body": "no title"}], 1),
        ([{"title": "ok"}, {"title": "ok"}, {"title": "ok", "body": 1}], 2),
        ([{"title": "ok"}, {"title": "x" * 201}], 1),
    ):
        body = _json_error(client.post("/notes/import", json=notes, headers=headers), 400)
        assert body.get("index") == index, f"{notes!r}: expected index {index}, got {body!r}"


@pytest.mark.weight(2)
@pytest.mark.skill("teardown")
@pytest.mark.requirement("R12")
def test_failed_import_stores_nothing(client):
    """A rejected POST /notes/import stores none of its notes, not even the valid ones."""
    user = _user()
    notes = [{"title": "kept?"}, {"title": "kept too?"}, {"title": "   "}]
    resp = client.post("/notes/import", json=notes, headers={"X-User": user})
    assert resp.status_code == 400, f"step 1: an import with a blank title answered {resp.status}"
    listed = client.get("/notes", headers={"X-User": user}, query_string={"limit": 10})
    assert listed.status_code == 200, f"step 2: GET /notes answered {listed.status}"
    assert listed.get_json() == {"notes": []}, (
        "a failed import must be all or nothing, but some notes were stored"
    )


# -- R7, R13, R14, R15: reading --------------------------------------------------------------


@pytest.mark.weight(2)
@pytest.mark.skill("request-data")
@pytest.mark.requirement("R7", "R13")
def test_listing_shows_only_the_callers_notes(client):
    """GET /notes lists the X-User's notes and never another user's."""
    alice, bob = _user(), _user()
    _create(client, alice, "alice's secret")
    _create(client, bob, "bob's plan")
    assert _titles(client.get("/notes", headers={"X-User": alice})) == ["alice's secret"]
    assert _titles(client.get("/notes", headers={"X-User": bob})) == ["bob's plan"]


@pytest.mark.weight(2)
@pytest.mark.skill("request-data")
@pytest.mark.requirement("R7", "R15")
@pytest.mark.hint("A user must never reach someone else's notes, even by guessing an id.")
def test_another_users_note_is_404(client):
    """GET /notes/<id> answers the note to its owner and 404 to anyone else."""
    alice, mallory = _user(), _user()
    note = _create(client, alice, "diary")
    own = client.get(f"/notes/{note['id']}", headers={"X-User": alice})
    assert own.status_code == 200, f"the owner got {own.status} for their own note"
    assert own.get_json() == note
    other = client.get(f"/notes/{note['id']}", headers={"X-User": mallory})
    _json_error(other, 404)
    assert "diary" not in other.text, "the 404 must not reveal the note"


@pytest.mark.weight(2)
@pytest.mark.skill("request-data")
@pytest.mark.requirement("R7", "R14")
def test_q_cannot_reach_other_users_notes(client):
    """A q written as SQL (' OR 1=1 OR ') is plain text: it finds nothing of another user's."""
    alice, mallory = _user(), _user()
    secret = _create(client, alice, f"alice secret {uuid.uuid4().hex[:8]}")
    for q in ("' OR 1=1 OR '", '" OR 1=1 OR "', "') OR 1=1 --"):
        resp = client.get(
            "/notes", headers={"X-User": mallory}, query_string={"q": q, "limit": 100}
        )
        assert resp.status_code == 200, (
            f"q={q!r} answered {resp.status}: pass q to SQL as a parameter, never in the SQL text"
        )
        assert secret["title"] not in resp.text, f"q={q!r} showed another user's note"


@pytest.mark.weight(1)
@pytest.mark.skill("request-data")
@pytest.mark.requirement("R13")
def test_limit_argument_returns_the_newest_notes(client):
    """GET /notes?limit=2 answers the two newest notes, newest first; limit=1 the newest."""
    user = _user()
    for title in ("one", "two", "three", "four"):
        _create(client, user, title)
    resp = client.get("/notes", headers={"X-User": user}, query_string={"limit": "2"})
    assert _titles(resp) == ["four", "three"]
    resp = client.get("/notes", headers={"X-User": user}, query_string={"limit": "1"})
    assert _titles(resp) == ["four"], "limit=1 is allowed and answers the newest note"


@pytest.mark.weight(1)
@pytest.mark.skill("request-data")
@pytest.mark.requirement("R13")
def test_limit_of_100_is_accepted(client):
    """GET /notes?limit=100 is allowed: it answers up to 100 notes, more than PAGE_SIZE."""
    user = _user()
    notes = [{"title": f"hundred {i}"} for i in range(5)]
    imported = client.post("/notes/import", json=notes, headers={"X-User": user})
    assert imported.status_code == 201, f"setup: POST /notes/import answered {imported.status}"
    resp = client.get("/notes", headers={"X-User": user}, query_string={"limit": "100"})
    assert _titles(resp) == [f"hundred {i}" for i in range(4, -1, -1)]


@pytest.mark.weight(1)
@pytest.mark.skill("request-data")
@pytest.mark.requirement("R13")
def test_invalid_limit_is_400(client):
    """GET /notes with a limit that is not an integer from 1 to 100 is a JSON 400."""
    user = _user()
    for limit in ("abc", "0", "-1", "2.5", "101", "1e2", ""):
        resp = client.get("/notes", headers={"X-User": user}, query_string={"limit": limit})
        assert resp.status_code == 400, f"limit={limit!r} answered {resp.status}, expected 400"
        _json_error(resp, 400)


@pytest.mark.weight(1)
@pytest.mark.skill("request-data")
@pytest.mark.requirement("R14")
def test_q_argument_filters_titles_case_insensitively(client):
    """GET /notes?q=... keeps notes whose title contains q, ignoring case."""
    user = _user()
    for title in ("Buy MILK", "Walk the dog", "milkshake recipe"):
        _create(client, user, title)
    resp = client.get("/notes", headers={"X-User": user}, query_string={"q": "milk"})
    assert _titles(resp) == ["milkshake recipe", "Buy MILK"]


@pytest.mark.weight(3)
@pytest.mark.skill("request-data")
@pytest.mark.requirement("R14")
def test_q_percent_sign_is_plain_text(client):
    """q=% finds the note with a literal % in its title and no other (not a LIKE wildcard)."""
    user = _user()
    for title in ("100% done", "plain note", "fifty percent"):
        _create(client, user, title)
    resp = client.get("/notes", headers={"X-User": user}, query_string={"q": "%"})
    assert _titles(resp) == ["100% done"], (
        "q=% must match a literal '%' only: escape LIKE wildcards or do not use LIKE"
    )


@pytest.mark.weight(1)
@pytest.mark.skill("request-data")
@pytest.mark.requirement("R14")
def test_q_underscore_is_plain_text(client):
    """q=e_c finds "snake_case" but not "snakeXcase" (_ is not a one-character wildcard)."""
    user = _user()
    for title in ("snake_case", "snakeXcase"):
        _create(client, user, title)
    resp = client.get("/notes", headers={"X-User": user}, query_string={"q": "e_c"})
    assert _titles(resp) == ["snake_case"], "q=e_c must match a literal '_' only"


# -- R1, R2: configuration -------------------------------------------------------------------


@pytest.mark.weight(2)
@pytest.mark.skill("config")
@pytest.mark.requirement("R1", "R13")
def test_default_page_size_comes_from_app_config(client):
    """GET /notes without limit answers PAGE_SIZE notes, PAGE_SIZE set by FLASK_PAGE_SIZE."""
    user = _user()
    notes = [{"title": f"note {i}"} for i in range(5)]
    resp = client.post("/notes/import", json=notes, headers={"X-User": user})
    assert resp.status_code == 201, f"setup: POST /notes/import answered {resp.status}"
    titles = _titles(client.get("/notes", headers={"X-User": user}))
    assert titles == ["note 4", "note 3", "note 2"], (
        f"expected the 3 newest notes (FLASK_PAGE_SIZE=3 in this run), got {titles}"
    )


def _sets_page_size_20(node: ast.AST) -> bool:
    """PAGE_SIZE=20, "PAGE_SIZE": 20, PAGE_SIZE = 20 or ("PAGE_SIZE", 20) in code."""

    def is_20(value: ast.AST | None) -> bool:
        return isinstance(value, ast.Constant) and value.value == 20

    def names_it(target: ast.AST | None) -> bool:
        if isinstance(target, ast.Constant):
            return target.value == "PAGE_SIZE"
        if isinstance(target, ast.Subscript):
            return names_it(target.slice)
        return getattr(target, "id", getattr(target, "attr", None)) == "PAGE_SIZE"

    if isinstance(node, ast.keyword):
        return node.arg == "PAGE_SIZE" and is_20(node.value)
    if isinstance(node, ast.Dict):
        return any(names_it(k) and is_20(v) for k, v in zip(node.keys, node.values, strict=True))
    if isinstance(node, ast.Assign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return is_20(node.value) and any(names_it(t) for t in targets)
    if isinstance(node, ast.Call):
        return len(node.args) >= 2 and names_it(node.args[0]) and is_20(node.args[1])
    return False


@pytest.mark.weight(1)
@pytest.mark.skill("config")
@pytest.mark.requirement("R1")
def test_page_size_defaults_to_20(source):
    """The code sets PAGE_SIZE's default to 20 (this run sets FLASK_PAGE_SIZE, hiding it)."""
    found = [
        path
        for path in source.python_files()
        if any(_sets_page_size_20(node) for node in ast.walk(source.ast(path)))
    ]
    assert found, (
        "no code sets the default PAGE_SIZE to 20 (app.config.from_mapping(PAGE_SIZE=20, ...)); "
        "this grading run overrides it with FLASK_PAGE_SIZE, so only the source can show it"
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
@pytest.mark.requirement("R2")
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
