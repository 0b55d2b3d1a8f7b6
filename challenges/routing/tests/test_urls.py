"""Routing suite: URLs built with url_for (links, Location headers) and deliberate redirects."""

from __future__ import annotations

import uuid

import pytest


@pytest.mark.visible
@pytest.mark.weight(2)
@pytest.mark.skill("url-building")
def test_links_lead_to_the_resources(client, trackly, path_of):
    """The "links" of a project and of an issue lead to the project, its issues, files, itself."""
    project = trackly.new_project()
    issue = trackly.new_issue(project)
    links = project.get("links") or {}
    for name in ("self", "issues", "files"):
        assert isinstance(links.get(name), str), f'the project has no "links.{name}": {project!r}'
        resp = client.get(links[name])
        assert resp.status_code == 200, f"links.{name} = {links[name]!r} answered {resp.status}"
    assert client.get(links["self"]).get_json() == project, "links.self must show the project"
    listed = client.get(links["issues"]).get_json() or {}
    assert issue in listed.get("issues", []), "links.issues must list the project's issues"

    ilinks = issue.get("links") or {}
    assert client.get(ilinks.get("self", "/")).get_json() == issue, "issue links.self is wrong"
    assert client.get(ilinks.get("project", "/")).get_json() == project, "links.project is wrong"
    resp = client.get(ilinks.get("browse", "/"))
    assert resp.status_code == 302 and path_of(resp.location) == ilinks["self"], (
        f"issue links.browse must redirect to the issue, got {resp.status} {resp.location!r}"
    )


@pytest.mark.weight(3)
@pytest.mark.skill("url-building")
def test_urls_include_the_mount_prefix(client, trackly, mount_prefix, path_of):
    """Behind the proxy (X-Forwarded-Prefix) every link and Location starts with the prefix."""
    proxied = {"X-Forwarded-Prefix": mount_prefix}
    project = trackly.new_project(headers=proxied)
    item = f"/projects/{project['id']}"
    expected = {"self": item, "issues": f"{item}/issues/", "files": f"{item}/files/"}
    links = project.get("links") or {}
    got = {name: path_of(links.get(name)) for name in expected}
    assert got == {k: mount_prefix + v for k, v in expected.items()}, (
        f"with X-Forwarded-Prefix: {mount_prefix} the project links were {got!r}"
    )

    resp = client.post(f"{item}/issues/", json={"title": "Behind the proxy"}, headers=proxied)
    assert resp.status_code == 201, f"POST {item}/issues/ answered {resp.status}"
    assert path_of(resp.location) == f"{mount_prefix}{item}/issues/1", (
        f"Location must carry the prefix, got {resp.location!r}"
    )
    browse = path_of((resp.get_json().get("links") or {}).get("browse"))
    assert browse == f"{mount_prefix}/browse/{project['key']}-1", f"links.browse was {browse!r}"

    direct = client.get(item).get_json()
    assert path_of(direct["links"]["self"]) == item, "without the header, links have no prefix"


@pytest.mark.weight(3)
@pytest.mark.skill("url-building")
def test_file_urls_are_percent_encoded(client, trackly):
    """File URLs escape spaces and '#', so "notes/Q3 plan #2.md" can be fetched from its url."""
    project = trackly.new_project()
    content = f"Q3 {uuid.uuid4()}".encode()
    stored = trackly.put_file(project, "notes/Q3%20plan%20%232.md", content)
    listed = client.get(f"/projects/{project['id']}/files/").get_json() or {}
    entries = [f for f in listed.get("files", []) if f.get("name") == "notes/Q3 plan #2.md"]
    assert entries, f"the file list must name the file 'notes/Q3 plan #2.md', got {listed!r}"
    for url in (entries[0].get("url"), stored.get("url")):
        assert isinstance(url, str) and " " not in url and "#" not in url, (
            f"the url {url!r} must be percent-encoded"
        )
        resp = client.get(url)
        assert resp.status_code == 200 and resp.data == content, (
            f"GET {url} answered {resp.status}, not the file"
        )


@pytest.mark.weight(2)
@pytest.mark.skill("redirects")
def test_old_project_url_redirects_permanently(client, trackly, path_of):
    """GET /project/<id> (the old API) answers 301 to /projects/<id>."""
    project = trackly.new_project()
    url = f"/project/{project['id']}"
    resp = client.get(url)
    assert resp.status_code == 301, f"GET {url} answered {resp.status}, expected 301"
    assert path_of(resp.location) == f"/projects/{project['id']}", f"Location: {resp.location!r}"
    followed = client.get(url, follow_redirects=True)
    assert followed.status_code == 200 and followed.get_json() == project


@pytest.mark.weight(2)
@pytest.mark.skill("redirects")
def test_browse_redirects_temporarily_to_the_issue(client, trackly, path_of):
    """GET /browse/KEY-N answers 302 to /projects/<id>/issues/<N>."""
    project = trackly.new_project()
    trackly.new_issue(project)
    second = trackly.new_issue(project)
    url = f"/browse/{project['key']}-2"
    resp = client.get(url)
    assert resp.status_code == 302, f"GET {url} answered {resp.status}, expected 302"
    target = f"/projects/{project['id']}/issues/2"
    assert path_of(resp.location) == target, f"Location must be {target}, got {resp.location!r}"
    followed = client.get(url, follow_redirects=True)
    assert followed.status_code == 200 and followed.get_json() == second


@pytest.mark.weight(3)
@pytest.mark.skill("redirects")
def test_redirects_keep_the_mount_prefix(client, trackly, mount_prefix, path_of):
    """Behind the proxy, the 301, 302 and 308 redirects all point inside the prefix."""
    project = trackly.new_project()
    trackly.new_issue(project)
    proxied = {"X-Forwarded-Prefix": mount_prefix}
    item = f"/projects/{project['id']}"
    cases = [
        (f"/project/{project['id']}", 301, item),
        (f"/browse/{project['key']}-1", 302, f"{item}/issues/1"),
        ("/projects", 308, "/projects/"),
    ]
    for url, status, target in cases:
        resp = client.get(url, headers=proxied)
        assert resp.status_code == status, f"GET {url} answered {resp.status}, expected {status}"
        assert path_of(resp.location) == mount_prefix + target, (
            f"GET {url} behind {mount_prefix}: Location must be {mount_prefix}{target}, "
            f"got {resp.location!r}"
        )
