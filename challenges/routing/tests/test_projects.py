"""Routing suite: the project routes, trailing slashes, HTTP methods and JSON errors."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.skill("routing")

ALWAYS = {"HEAD", "OPTIONS"}


def _allow(resp) -> set[str]:
    return {m.strip().upper() for m in (resp.headers.get("Allow") or "").split(",") if m.strip()}


def _assert_json_error(resp, status: int) -> None:
    assert resp.status_code == status, f"expected {status}, got {resp.status}"
    body = resp.get_json()
    assert resp.mimetype == "application/json" and isinstance(body, dict), (
        f"a {status} must answer a JSON object, got {resp.content_type!r}: {resp.text[:80]!r}"
    )
    assert isinstance(body.get("error"), str) and body["error"].strip(), (
        f'a {status} body must have a non-empty "error" string, got {body!r}'
    )


@pytest.mark.visible
@pytest.mark.weight(2)
def test_create_project_then_fetch_it(client, path_of):
    """POST /projects/ answers 201 with Location; GET /projects/<id> and the list show it."""
    key = "T" + uuid.uuid4().hex[:6].upper()
    resp = client.post("/projects/", json={"key": key, "name": "Website relaunch"})
    assert resp.status_code == 201, f"POST /projects/ answered {resp.status}, expected 201"
    project = resp.get_json()
    assert isinstance(project, dict) and isinstance(project.get("id"), int), (
        f"POST /projects/ must answer the project as JSON with an int id, got {resp.text!r}"
    )
    assert (project["key"], project["name"]) == (key, "Website relaunch")
    url = f"/projects/{project['id']}"
    assert path_of(resp.location) == url, f"Location must be {url}, got {resp.location!r}"

    fetched = client.get(url)
    assert fetched.status_code == 200, f"GET {url} answered {fetched.status}"
    assert fetched.get_json() == project, f"GET {url} must answer the same JSON as the POST"

    listed = client.get("/projects/").get_json()
    assert isinstance(listed, dict) and project in listed.get("projects", []), (
        'GET /projects/ must list the new project under "projects"'
    )


@pytest.mark.weight(2)
def test_collection_url_without_slash_redirects_with_308(client, trackly, path_of):
    """/projects and /projects/<id>/issues redirect (308) to their canonical slash URLs."""
    resp = client.get("/projects")
    assert resp.status_code == 308, f"GET /projects answered {resp.status}, expected 308"
    assert path_of(resp.location) == "/projects/", f"Location was {resp.location!r}"

    project = trackly.new_project()
    issues = f"/projects/{project['id']}/issues"
    resp = client.get(issues)
    assert resp.status_code == 308, f"GET {issues} answered {resp.status}, expected 308"
    assert path_of(resp.location) == issues + "/", f"Location was {resp.location!r}"

    # 308, unlike 301, tells the client to repeat the POST and its body at the new URL.
    key = "R" + uuid.uuid4().hex[:6].upper()
    resp = client.post("/projects", json={"key": key, "name": "Replayed"}, follow_redirects=True)
    assert [r.status_code for r in resp.history] == [308], (
        f"POST /projects must be redirected once with 308, got {[r.status for r in resp.history]}"
    )
    assert resp.status_code == 201 and resp.get_json()["key"] == key, (
        f"the replayed POST must create the project, got {resp.status}"
    )


@pytest.mark.weight(2)
def test_item_url_with_trailing_slash_is_404(client, trackly):
    """/projects/<id>/ and /projects/<id>/issues/<n>/ are 404: items have no slash URL."""
    project = trackly.new_project()
    trackly.new_issue(project)
    item = f"/projects/{project['id']}"
    assert client.get(item).status_code == 200, f"GET {item} must answer 200"
    for url in (item + "/", f"{item}/issues/1/"):
        resp = client.get(url)
        assert resp.status_code == 404, f"GET {url} answered {resp.status}, expected 404"


@pytest.mark.weight(1)
def test_errors_are_json_objects(client, trackly):
    """400, 404, 405 and 409 all answer JSON {"error": "..."}."""
    _assert_json_error(client.get(f"/no-such-page-{uuid.uuid4().hex[:6]}"), 404)
    _assert_json_error(client.get("/projects/987654321"), 404)
    _assert_json_error(client.put("/projects/"), 405)
    _assert_json_error(client.post("/projects/", json={"key": "lower", "name": "x"}), 400)
    broken = client.post(
        "/projects/", data="{not json", headers={"Content-Type": "application/json"}
    )
    _assert_json_error(broken, 400)
    project = trackly.new_project()
    taken = client.post("/projects/", json={"key": project["key"], "name": "Again"})
    _assert_json_error(taken, 409)


@pytest.mark.weight(3)
@pytest.mark.skill("methods")
def test_wrong_method_gets_405_with_allow_header(client, trackly):
    """A method a route lacks answers 405 with an Allow header listing exactly its methods."""
    project = trackly.new_project()
    cases = [
        ("POST", f"/projects/{project['id']}", {"GET", "DELETE"}),
        ("DELETE", "/projects/", {"GET", "POST"}),
        ("POST", f"/projects/{project['id']}/files/notes.txt", {"GET", "PUT"}),
    ]
    for method, url, methods in cases:
        resp = client.open(url, method=method)
        assert resp.status_code == 405, f"{method} {url} answered {resp.status}, expected 405"
        assert _allow(resp) == methods | ALWAYS, (
            f"{method} {url}: Allow must list {sorted(methods | ALWAYS)}, "
            f"got {resp.headers.get('Allow')!r}"
        )


@pytest.mark.weight(2)
@pytest.mark.skill("methods")
def test_delete_removes_the_project(client, trackly):
    """DELETE /projects/<id> answers 204 and the project, its issues and files are gone."""
    project = trackly.new_project()
    trackly.new_issue(project)
    trackly.put_file(project, "notes.txt", b"to be removed")
    url = f"/projects/{project['id']}"

    resp = client.delete(url)
    assert resp.status_code == 204, f"DELETE {url} answered {resp.status}, expected 204"
    assert resp.data == b"", "a 204 has no body"
    for gone in (url, f"{url}/issues/1", f"{url}/files/notes.txt", f"{url}/files/"):
        assert client.get(gone).status_code == 404, f"GET {gone} must be 404 after the DELETE"
    again = client.delete(url)
    assert again.status_code == 404, f"a second DELETE {url} answered {again.status}, not 404"
