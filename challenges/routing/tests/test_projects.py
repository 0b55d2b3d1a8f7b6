"""Routing suite: the project routes, their validation, and trailing slashes."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.skill("routing")


@pytest.mark.visible
@pytest.mark.weight(2)
@pytest.mark.requirement("R2", "R3")
def test_create_project_then_fetch_it(client, path_of):
    """POST /projects/ answers 201 with Location; GET /projects/<id> shows the same project."""
    key = "T" + uuid.uuid4().hex[:6].upper()
    resp = client.post("/projects/", json={"key": key, "name": "Website relaunch"})
    assert resp.status_code == 201, f"POST /projects/ answered {resp.status}, expected 201"
    project = resp.get_json()
    assert isinstance(project, dict) and isinstance(project.get("id"), int), (
        f"POST /projects/ must answer the project as JSON with an int id, got {resp.text!r}"
    )
    assert (project.get("key"), project.get("name")) == (key, "Website relaunch"), (
        f"POST /projects/ must answer the key and name it stored, got {project!r}"
    )
    url = f"/projects/{project['id']}"
    assert path_of(resp.location) == url, f"Location must be {url}, got {resp.location!r}"

    fetched = client.get(url)
    assert fetched.status_code == 200, f"GET {url} answered {fetched.status}"
    assert fetched.get_json() == project, f"GET {url} must answer the same JSON as the POST"


@pytest.mark.weight(2)
@pytest.mark.requirement("R1")
def test_projects_are_listed_oldest_first(client, trackly):
    """GET /projects/ lists every project as in its 201, oldest first."""
    first, second = trackly.new_project(), trackly.new_project()
    resp = client.get("/projects/")
    assert resp.status_code == 200, f"GET /projects/ answered {resp.status}, expected 200"
    body = resp.get_json()
    assert isinstance(body, dict) and isinstance(body.get("projects"), list), (
        f'GET /projects/ must answer {{"projects": [...]}}, got {resp.text[:200]!r}'
    )
    listed = body["projects"]
    assert first in listed and second in listed, (
        "GET /projects/ must list each project exactly as its POST answered it"
    )
    assert listed.index(first) < listed.index(second), "projects must be listed oldest first"


@pytest.mark.weight(2)
@pytest.mark.requirement("R2")
def test_project_keys_of_2_and_10_characters_are_accepted(trackly):
    """A project key of exactly 2 or exactly 10 characters is accepted (201)."""
    for length in (2, 10):
        project = trackly.new_project_with_key_length(length)
        assert len(project["key"]) == length


@pytest.mark.weight(2)
@pytest.mark.requirement("R2", "R18")
def test_invalid_project_keys_are_400(client, trackly, json_error):
    """Keys of 1 or 11 characters, lower case, digit first or not a string are 400s."""
    tail = trackly.unique_key(9)
    bad_keys = ["A", "Q" + tail + "Z", tail.lower(), "2" + tail, 123, None, ""]
    for key in bad_keys:
        payload = {"name": "Bad key"} if key is None else {"key": key, "name": "Bad key"}
        resp = client.post("/projects/", json=payload)
        json_error(resp, 400, f"POST /projects/ with key {key!r}")
    keys = {p.get("key") for p in client.get("/projects/").get_json()["projects"]}
    created = [k for k in bad_keys if k in keys]
    assert not created, f"projects were created with invalid keys {created!r}"


@pytest.mark.weight(1)
@pytest.mark.requirement("R2", "R18")
def test_blank_project_names_are_400_and_names_are_trimmed(client, trackly, json_error):
    """A missing, blank or non-string name is a 400; surrounding spaces are removed."""
    for name in (None, "", "   ", 42):
        key = trackly.unique_key(9)
        payload = {"key": key} if name is None else {"key": key, "name": name}
        json_error(client.post("/projects/", json=payload), 400, f"name {name!r}")
    key = trackly.unique_key(9)
    resp = client.post("/projects/", json={"key": key, "name": "  Padded name  "})
    assert resp.status_code == 201, f"name '  Padded name  ' answered {resp.status}, not 201"
    assert resp.get_json().get("name") == "Padded name", (
        f"the name must be stored without its surrounding spaces, got {resp.get_json()!r}"
    )


@pytest.mark.weight(2)
@pytest.mark.requirement("R2", "R18")
def test_taken_project_key_is_409(client, trackly, json_error):
    """A second project with a key that is already taken is a 409 and is not created."""
    project = trackly.new_project()
    resp = client.post("/projects/", json={"key": project["key"], "name": "Again"})
    json_error(resp, 409, f"POST /projects/ with the taken key {project['key']}")
    listed = client.get("/projects/").get_json()["projects"]
    same = [p for p in listed if p.get("key") == project["key"]]
    assert len(same) == 1, f"the key {project['key']} now has {len(same)} projects"


@pytest.mark.weight(2)
@pytest.mark.requirement("R2", "R5", "R18")
def test_body_that_is_not_a_json_object_is_400(client, trackly, json_error):
    """POST bodies that are not a JSON object (form, text, broken JSON, a list) are 400s."""
    project = trackly.new_project()
    bodies = [
        ("a form post", {"data": {"key": "FORM", "name": "x"}}),
        ("plain text", {"data": "hello", "headers": {"Content-Type": "text/plain"}}),
        ("broken JSON", {"data": "{not json", "headers": {"Content-Type": "application/json"}}),
        ("a JSON list", {"json": [{"key": "LIST", "name": "x"}]}),
    ]
    for url in ("/projects/", f"/projects/{project['id']}/issues/"):
        for what, kwargs in bodies:
            json_error(client.post(url, **kwargs), 400, f"POST {url} with {what}")


@pytest.mark.weight(1)
@pytest.mark.requirement("R3", "R18")
def test_unknown_project_is_404(client, json_error):
    """GET /projects/<id> for an id no project has is a JSON 404."""
    json_error(client.get("/projects/987654321"), 404, "GET /projects/987654321")
    json_error(client.get("/projects/0"), 404, "GET /projects/0")


@pytest.mark.weight(2)
@pytest.mark.skill("methods")
@pytest.mark.requirement("R4")
def test_delete_removes_the_project(client, trackly):
    """DELETE /projects/<id> answers 204 and the project, its issues and files are gone."""
    project = trackly.new_project()
    trackly.new_issue(project)
    trackly.put_file(project, "notes.txt", b"to be removed")
    keep = trackly.new_project()
    url = f"/projects/{project['id']}"

    resp = client.delete(url)
    assert resp.status_code == 204, f"DELETE {url} answered {resp.status}, expected 204"
    assert resp.data == b"", "a 204 has no body"
    for gone in (url, f"{url}/issues/", f"{url}/issues/1", f"{url}/files/notes.txt"):
        got = client.get(gone)
        assert got.status_code == 404, f"GET {gone} answered {got.status} after the DELETE"
    listed = client.get("/projects/").get_json()["projects"]
    assert project not in listed, "the deleted project is still listed"
    assert keep in listed, "deleting one project must not remove another"


@pytest.mark.weight(1)
@pytest.mark.skill("methods")
@pytest.mark.requirement("R4", "R18")
def test_delete_of_unknown_project_is_404(client, trackly, json_error):
    """DELETE of an id no project has, or a second DELETE, is a JSON 404."""
    json_error(client.delete("/projects/987654321"), 404, "DELETE /projects/987654321")
    project = trackly.new_project()
    url = f"/projects/{project['id']}"
    assert client.delete(url).status_code == 204, f"step 1: DELETE {url} must answer 204"
    json_error(client.delete(url), 404, f"step 2: a second DELETE {url}")


@pytest.mark.weight(2)
@pytest.mark.requirement("R16")
def test_collection_url_without_slash_redirects_with_308(client, trackly, path_of):
    """/projects and /projects/<id>/issues redirect (308) to their canonical slash URLs."""
    resp = client.get("/projects")
    assert resp.status_code == 308, f"GET /projects answered {resp.status}, expected 308"
    assert path_of(resp.location) == "/projects/", f"Location was {resp.location!r}"

    project = trackly.new_project()
    for collection in ("issues", "files"):
        url = f"/projects/{project['id']}/{collection}"
        resp = client.get(url)
        assert resp.status_code == 308, f"GET {url} answered {resp.status}, expected 308"
        assert path_of(resp.location) == url + "/", f"Location was {resp.location!r}"


@pytest.mark.weight(2)
@pytest.mark.requirement("R16")
def test_post_without_slash_is_replayed_by_the_308(client, trackly):
    """POST /projects and POST /projects/<id>/issues are redirected with 308 and then work."""
    key = "R" + uuid.uuid4().hex[:6].upper()
    resp = client.post("/projects", json={"key": key, "name": "Replayed"}, follow_redirects=True)
    assert [r.status_code for r in resp.history] == [308], (
        f"POST /projects must be redirected once with 308, got {[r.status for r in resp.history]}"
    )
    assert resp.status_code == 201 and (resp.get_json() or {}).get("key") == key, (
        f"the replayed POST must create the project, got {resp.status}"
    )
    url = f"/projects/{resp.get_json()['id']}/issues"
    resp = client.post(url, json={"title": "Replayed issue"}, follow_redirects=True)
    assert [r.status_code for r in resp.history] == [308], f"POST {url} must get a 308"
    assert resp.status_code == 201, f"the replayed POST {url}/ answered {resp.status}"


@pytest.mark.weight(2)
@pytest.mark.requirement("R16")
def test_item_url_with_trailing_slash_is_404(client, trackly):
    """/projects/<id>/ and /projects/<id>/issues/<n>/ are 404: items have no slash URL."""
    project = trackly.new_project()
    trackly.new_issue(project)
    item = f"/projects/{project['id']}"
    assert client.get(item).status_code == 200, f"GET {item} must answer 200"
    assert client.get(f"{item}/issues/1").status_code == 200, f"GET {item}/issues/1 must be 200"
    for url in (item + "/", f"{item}/issues/1/"):
        resp = client.get(url)
        assert resp.status_code == 404, f"GET {url} answered {resp.status}, expected 404"
