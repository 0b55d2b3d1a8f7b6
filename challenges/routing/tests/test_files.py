"""Routing suite: the files of a project (the path converter, PUT semantics, confinement)."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.skill("converters")

PASSWD = "..%2F" * 12 + "etc%2Fpasswd"


@pytest.mark.visible
@pytest.mark.weight(2)
@pytest.mark.requirement("R9", "R10", "R11")
def test_file_names_keep_their_slashes(client, trackly):
    """/projects/<id>/files/<path:name> stores and serves names that contain slashes."""
    project = trackly.new_project()
    content = f"# Spec {uuid.uuid4()}\n".encode()
    stored = trackly.put_file(project, "docs/specs/v1.md", content)
    assert stored.get("name") == "docs/specs/v1.md", f"PUT answered {stored!r}"

    base = f"/projects/{project['id']}/files"
    resp = client.get(f"{base}/docs/specs/v1.md")
    assert resp.status_code == 200, f"GET {base}/docs/specs/v1.md answered {resp.status}"
    assert resp.data == content, "GET must send back the bytes that were PUT"
    assert client.get(f"{base}/docs/specs/v2.md").status_code == 404, "a missing file is 404"
    names = trackly.file_names(project)
    assert names == ["docs/specs/v1.md"], f"GET {base}/ must list the file, got {names!r}"


@pytest.mark.weight(2)
@pytest.mark.requirement("R10")
def test_put_of_a_new_file_answers_201_with_its_json(client, trackly, path_of):
    """PUT of a new name answers 201, the file's JSON (name, size, url) and Location: its url."""
    project = trackly.new_project()
    url = f"/projects/{project['id']}/files/reports/q1.csv"
    resp = client.put(url, data=b"a,b\n1,2\n")
    assert resp.status_code == 201, f"PUT {url} answered {resp.status}, expected 201"
    assert resp.get_json() == {"name": "reports/q1.csv", "size": 8, "url": url}, (
        f"PUT {url} must answer the file's JSON, got {resp.text[:200]!r}"
    )
    assert path_of(resp.location) == url, f"Location must be {url}, got {resp.location!r}"


@pytest.mark.weight(2)
@pytest.mark.requirement("R10")
def test_put_replacing_a_file_answers_200(client, trackly):
    """A second PUT on the same name replaces the file and answers 200 with its new size."""
    project = trackly.new_project()
    url = f"/projects/{project['id']}/files/notes.txt"
    trackly.put_file(project, "notes.txt", b"first version")
    resp = client.put(url, data=b"v2")
    assert resp.status_code == 200, f"step 2: the second PUT {url} answered {resp.status}"
    assert resp.get_json() == {"name": "notes.txt", "size": 2, "url": url}, (
        f"step 2: the second PUT must answer the file's new JSON, got {resp.text[:200]!r}"
    )
    got = client.get(url)
    assert got.status_code == 200 and got.data == b"v2", "step 3: GET must serve the new bytes"
    assert trackly.file_names(project) == ["notes.txt"], "step 4: the list must show one file"


@pytest.mark.weight(2)
@pytest.mark.requirement("R10", "R18")
def test_put_clashing_with_a_folder_or_file_is_409(client, trackly, json_error):
    """PUT on a folder's name, or through a file as if it were a folder, is a JSON 409."""
    project = trackly.new_project()
    trackly.put_file(project, "docs/spec.md", b"spec")
    trackly.put_file(project, "readme.txt", b"readme")
    base = f"/projects/{project['id']}/files"
    for name in ("docs", "readme.txt/part", "readme.txt/deeper/part"):
        json_error(client.put(f"{base}/{name}", data=b"clash"), 409, f"PUT {base}/{name}")
    assert client.get(f"{base}/readme.txt").data == b"readme", "a 409 must change nothing"
    assert client.get(f"{base}/docs/spec.md").data == b"spec", "a 409 must change nothing"


@pytest.mark.weight(1)
@pytest.mark.requirement("R10", "R18")
def test_put_of_a_folder_name_is_400(client, trackly, json_error):
    """PUT on a name that ends with '/' (a folder, not a file) is a JSON 400."""
    project = trackly.new_project()
    base = f"/projects/{project['id']}/files"
    json_error(client.put(f"{base}/drafts/", data=b"x"), 400, f"PUT {base}/drafts/")
    assert trackly.file_names(project) == [], "a 400 must not create a file"


@pytest.mark.weight(2)
@pytest.mark.requirement("R9")
def test_files_are_listed_by_name_with_their_size(client, trackly):
    """GET /projects/<id>/files/ lists files only (no folders), sorted by name, with sizes."""
    project = trackly.new_project()
    for name, content in (("zeta.txt", b"zz"), ("alpha/b.txt", b"bbb"), ("beta.md", b"b")):
        trackly.put_file(project, name, content)
    url = f"/projects/{project['id']}/files/"
    body = client.get(url).get_json() or {}
    got = [(f.get("name"), f.get("size")) for f in body.get("files", [])]
    assert got == [("alpha/b.txt", 3), ("beta.md", 1), ("zeta.txt", 2)], (
        f"GET {url} must list the files sorted by name with their sizes, got {got!r}"
    )


@pytest.mark.weight(1)
@pytest.mark.requirement("R9")
def test_file_type_is_guessed_from_its_name(client, trackly):
    """GET of a file sends its bytes with a Content-Type guessed from the name."""
    project = trackly.new_project()
    base = f"/projects/{project['id']}/files"
    for name, mimetype in (("data.json", "application/json"), ("notes.txt", "text/plain")):
        trackly.put_file(project, name, b'{"a": 1}')
        resp = client.get(f"{base}/{name}")
        assert resp.status_code == 200 and resp.data == b'{"a": 1}', f"GET {base}/{name} failed"
        assert resp.mimetype == mimetype, f"GET {base}/{name}: type {resp.content_type!r}"


@pytest.mark.weight(1)
@pytest.mark.requirement("R9", "R10", "R18")
def test_files_of_unknown_project_are_404(client, json_error):
    """The file routes answer a JSON 404 for a project that does not exist."""
    base = "/projects/987654321/files"
    json_error(client.get(f"{base}/"), 404, f"GET {base}/")
    json_error(client.get(f"{base}/a.txt"), 404, f"GET {base}/a.txt")
    json_error(client.put(f"{base}/a.txt", data=b"x"), 404, f"PUT {base}/a.txt")


@pytest.mark.weight(3)
@pytest.mark.requirement("R11")
@pytest.mark.hint("A file name taken from the URL must never lead outside the project's folder.")
def test_get_never_reads_outside_the_project_folder(client, trackly):
    """GET of a <path:name> with '..' segments is a 404, never another file of the server."""
    project, other = trackly.new_project(), trackly.new_project()
    trackly.put_file(project, "readme.txt", b"hello")
    trackly.put_file(other, "secret.txt", b"other project's secret")
    base = f"/projects/{project['id']}/files"
    assert client.get(f"{base}/readme.txt").data == b"hello", "step 1: the file must be served"

    for name in (PASSWD, "docs/" + PASSWD, f"..%2F{other['id']}%2Fsecret.txt"):
        resp = client.get(f"{base}/{name}")
        assert b"root:" not in resp.data, f"GET {base}/{name} leaked /etc/passwd"
        assert b"secret" not in resp.data, f"GET {base}/{name} leaked another project's file"
        assert resp.status_code == 404, f"GET {base}/{name} answered {resp.status}, not 404"


@pytest.mark.weight(3)
@pytest.mark.requirement("R11", "R18")
def test_put_never_writes_outside_the_project_folder(client, trackly, json_error):
    """PUT of a <path:name> with '..' segments is a 400 and writes nothing anywhere."""
    project, other = trackly.new_project(), trackly.new_project()
    base = f"/projects/{project['id']}/files"
    planted = f"planted-{uuid.uuid4().hex[:6]}.txt"
    for name in (f"..%2F{other['id']}%2F{planted}", f"sub%2F..%2F..%2F{other['id']}%2F{planted}"):
        json_error(client.put(f"{base}/{name}", data=b"planted"), 400, f"PUT {base}/{name}")
    assert planted not in trackly.file_names(other), "a PUT wrote a file into another project"
    assert trackly.file_names(project) == [], "a refused PUT must not create a file"
