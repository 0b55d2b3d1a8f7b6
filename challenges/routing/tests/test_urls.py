"""Routing suite: URLs built with url_for (links, Location headers) and deliberate redirects."""

from __future__ import annotations

import uuid

import pytest


@pytest.mark.visible
@pytest.mark.weight(2)
@pytest.mark.skill("url-building")
@pytest.mark.requirement("R19")
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
@pytest.mark.requirement("R20")
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
    ilinks = (resp.get_json() or {}).get("links") or {}
    expected = {
        "self": f"{item}/issues/1",
        "project": item,
        "browse": f"/browse/{project['key']}-1",
    }
    got = {name: path_of(ilinks.get(name)) for name in expected}
    assert got == {k: mount_prefix + v for k, v in expected.items()}, (
        f"with X-Forwarded-Prefix: {mount_prefix} the issue links were {got!r}"
    )

    direct = client.get(item).get_json() or {}
    assert path_of((direct.get("links") or {}).get("self")) == item, (
        "without the header, links have no prefix"
    )
    listed = client.get("/projects/", headers=proxied).get_json() or {}
    mine = [p for p in listed.get("projects", []) if p.get("id") == project["id"]]
    assert mine and path_of((mine[0].get("links") or {}).get("self")) == mount_prefix + item, (
        "behind the proxy, the list's links carry the prefix too"
    )


@pytest.mark.weight(2)
@pytest.mark.skill("url-building")
@pytest.mark.requirement("R19")
@pytest.mark.parametrize(
    ("quoted", "name"),
    [
        ("notes/Q3%20plan%20%232.md", "notes/Q3 plan #2.md"),
        ("what%3F/caf%C3%A9%20%25.txt", "what?/caf\u00e9 %.txt"),
    ],
)
def test_file_urls_are_percent_encoded(client, trackly, quoted, name):
    """File URLs escape spaces, '#', '?', '%' and non-ASCII, so each file can be fetched."""
    project = trackly.new_project()
    content = f"Q3 {uuid.uuid4()}".encode()
    stored = trackly.put_file(project, quoted, content)
    assert stored.get("name") == name, f"PUT {quoted} must store the file {name!r}: {stored!r}"
    listed = client.get(f"/projects/{project['id']}/files/").get_json() or {}
    entries = [f for f in listed.get("files", []) if f.get("name") == name]
    assert entries, f"the file list must name the file {name!r}, got {listed!r}"
    for url in (entries[0].get("url"), stored.get("url")):
        assert isinstance(url, str) and url.isascii(), f"the url {url!r} must be ASCII"
        assert not set(url) & set(" #?"), f"the url {url!r} must be percent-encoded"
        resp = client.get(url)
        assert resp.status_code == 200 and resp.data == content, (
            f"GET {url} answered {resp.status}, not the file"
        )


@pytest.mark.weight(2)
@pytest.mark.skill("url-building")
@pytest.mark.requirement("R20")
def test_file_urls_include_the_mount_prefix(client, trackly, mount_prefix, path_of):
    """Behind the proxy, a PUT's url and Location and the file list's urls carry the prefix."""
    proxied = {"X-Forwarded-Prefix": mount_prefix}
    project = trackly.new_project()
    path = f"/projects/{project['id']}/files/docs/plan.txt"
    resp = client.put(path, data=b"plan", headers=proxied)
    assert resp.status_code == 201, f"PUT {path} answered {resp.status}, expected 201"
    assert path_of((resp.get_json() or {}).get("url")) == mount_prefix + path, (
        f"the url of the PUT's answer must carry the prefix, got {resp.text[:200]!r}"
    )
    assert path_of(resp.location) == mount_prefix + path, f"Location was {resp.location!r}"
    listed = client.get(f"/projects/{project['id']}/files/", headers=proxied).get_json() or {}
    urls = [path_of(f.get("url")) for f in listed.get("files", [])]
    assert urls == [mount_prefix + path], f"the file list's urls were {urls!r}"


@pytest.mark.weight(2)
@pytest.mark.skill("redirects")
@pytest.mark.requirement("R15")
def test_old_project_url_redirects_permanently(client, trackly, path_of):
    """GET /project/<id> (the old API) answers 301 to /projects/<id>."""
    project = trackly.new_project()
    url = f"/project/{project['id']}"
    resp = client.get(url)
    assert resp.status_code == 301, f"GET {url} answered {resp.status}, expected 301"
    assert path_of(resp.location) == f"/projects/{project['id']}", f"Location: {resp.location!r}"
    followed = client.get(url, follow_redirects=True)
    assert followed.status_code == 200 and followed.get_json() == project, (
        f"following the 301 must reach the project, got {followed.status}"
    )


@pytest.mark.weight(2)
@pytest.mark.skill("redirects")
@pytest.mark.requirement("R14")
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
    assert followed.status_code == 200 and followed.get_json() == second, (
        f"following the 302 must reach the issue, got {followed.status}"
    )


@pytest.mark.weight(3)
@pytest.mark.skill("redirects")
@pytest.mark.requirement("R20")
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
        (f"{item}/issues", 308, f"{item}/issues/"),
    ]
    for url, status, target in cases:
        resp = client.get(url, headers=proxied)
        assert resp.status_code == status, f"GET {url} answered {resp.status}, expected {status}"
        assert path_of(resp.location) == mount_prefix + target, (
            f"GET {url} behind {mount_prefix}: Location must be {mount_prefix}{target}, "
            f"got {resp.location!r}"
        )
