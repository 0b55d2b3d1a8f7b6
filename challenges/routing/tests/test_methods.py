"""Routing suite: HTTP methods (405 and its Allow header, HEAD, OPTIONS) and JSON errors."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.skill("methods")

ALWAYS = {"HEAD", "OPTIONS"}

# (a path of each rule, the methods of the table for it, methods it must refuse)
RULES = {
    "projects": ("/projects/", {"GET", "POST"}, ("DELETE", "PUT", "PATCH")),
    "project": ("/projects/{id}", {"GET", "DELETE"}, ("POST", "PUT", "PATCH")),
    "issues": ("/projects/{id}/issues/", {"GET", "POST"}, ("PUT", "DELETE")),
    "issue": ("/projects/{id}/issues/1", {"GET"}, ("POST", "PUT", "DELETE")),
    "labels": ("/projects/{id}/labels/ui", {"GET"}, ("POST", "DELETE")),
    "plan": ("/projects/{id}/plan/6.0", {"GET"}, ("POST", "PUT")),
    "files": ("/projects/{id}/files/", {"GET"}, ("POST", "PUT", "DELETE")),
    "file": ("/projects/{id}/files/docs/a.txt", {"GET", "PUT"}, ("POST", "DELETE", "PATCH")),
    "browse": ("/browse/TRK-1", {"GET"}, ("POST", "DELETE")),
    "legacy": ("/project/{id}", {"GET"}, ("POST", "DELETE")),
}


def _check_405s(client, allow, json_error, names, project_id: int) -> None:
    for name in names:
        template, methods, refused = RULES[name]
        url = template.format(id=project_id)
        for method in refused:
            resp = client.open(url, method=method)
            json_error(resp, 405, f"{method} {url}")
            assert allow(resp) == methods | ALWAYS, (
                f"{method} {url}: Allow must list exactly {sorted(methods | ALWAYS)}, "
                f"got {resp.headers.get('Allow')!r}"
            )


@pytest.mark.weight(3)
@pytest.mark.requirement("R17", "R18")
@pytest.mark.hint("A wrong method answers 405 and says which methods the URL accepts.")
def test_405_on_project_routes_lists_their_methods(client, trackly, allow, json_error):
    """A method /projects/ or /projects/<id> lacks is a JSON 405 whose Allow lists its methods."""
    project = trackly.new_project()
    _check_405s(client, allow, json_error, ("projects", "project"), project["id"])


@pytest.mark.weight(2)
@pytest.mark.requirement("R17", "R18")
def test_405_on_issue_routes_lists_their_methods(client, trackly, allow, json_error):
    """Issue, label and plan routes answer 405 with an Allow of exactly their methods."""
    project = trackly.new_project()
    trackly.new_issue(project, labels=["ui"])
    _check_405s(client, allow, json_error, ("issues", "issue", "labels", "plan"), project["id"])


@pytest.mark.weight(2)
@pytest.mark.requirement("R17", "R18")
def test_405_on_file_and_redirect_routes_lists_their_methods(client, trackly, allow, json_error):
    """File, /browse and /project routes answer 405 with an Allow of exactly their methods."""
    project = trackly.new_project()
    _check_405s(client, allow, json_error, ("files", "file", "browse", "legacy"), project["id"])


@pytest.mark.weight(1)
@pytest.mark.requirement("R17")
def test_head_and_options_are_answered(client, trackly, allow):
    """HEAD of a GET route answers its headers without a body; OPTIONS lists the methods."""
    project = trackly.new_project()
    url = f"/projects/{project['id']}"
    resp = client.head(url)
    assert resp.status_code == 200 and resp.data == b"", f"HEAD {url} answered {resp.status}"
    resp = client.options(url)
    assert resp.status_code == 200, f"OPTIONS {url} answered {resp.status}"
    assert allow(resp) == {"GET", "DELETE"} | ALWAYS, (
        f"OPTIONS {url}: Allow must list GET, DELETE, HEAD, OPTIONS, "
        f"got {resp.headers.get('Allow')!r}"
    )


@pytest.mark.visible
@pytest.mark.weight(2)
@pytest.mark.skill("routing")
@pytest.mark.requirement("R18")
def test_404_for_unknown_paths_is_json(client, json_error):
    """A path that no route matches answers a JSON 404 {"error": "..."}."""
    for url in (f"/no-such-page-{uuid.uuid4().hex[:6]}", "/projects/1/nothing", "/browse/"):
        json_error(client.get(url), 404, f"GET {url}")
