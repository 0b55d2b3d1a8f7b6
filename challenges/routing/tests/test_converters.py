"""Routing suite: variable rules and converters (int, float, string, path and a custom one)."""

from __future__ import annotations

import ast
import uuid

import pytest

pytestmark = pytest.mark.skill("converters")

PASSWD = "..%2F" * 12 + "etc%2Fpasswd"


@pytest.mark.weight(2)
def test_project_id_matches_digits_only(client, trackly):
    """/projects/<id> takes an int: words, signs, decimals and unknown ids are 404, never 500."""
    project = trackly.new_project()
    assert client.get(f"/projects/{project['id']}").status_code == 200
    for bad in ("abc", "-1", "1.5", "1e3", "0x1F", "%201", "1%20", str(10**30)):
        resp = client.get(f"/projects/{bad}")
        assert resp.status_code == 404, f"GET /projects/{bad} answered {resp.status}, not 404"


@pytest.mark.visible
@pytest.mark.weight(2)
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

    listed = client.get(f"{base}/").get_json()
    names = [f.get("name") for f in (listed or {}).get("files", [])]
    assert names == ["docs/specs/v1.md"], f"GET {base}/ must list the file, got {names!r}"


@pytest.mark.weight(3)
def test_file_routes_stay_inside_the_project_folder(client, trackly):
    """A <path:name> with '..' never reads or writes outside the project's own folder."""
    project, other = trackly.new_project(), trackly.new_project()
    trackly.put_file(project, "readme.txt", b"hello")
    base = f"/projects/{project['id']}/files"
    assert client.get(f"{base}/readme.txt").data == b"hello"

    for name in (PASSWD, "docs/" + PASSWD):
        resp = client.get(f"{base}/{name}")
        assert b"root:" not in resp.data, f"GET {base}/{name} leaked /etc/passwd"
        assert resp.status_code == 404, f"GET {base}/{name} answered {resp.status}, not 404"

    planted = f"planted-{uuid.uuid4().hex[:6]}.txt"
    resp = client.put(f"{base}/..%2F{other['id']}%2F{planted}", data=b"planted")
    assert resp.status_code == 400, f"PUT of a name with '..' answered {resp.status}, not 400"
    listed = client.get(f"/projects/{other['id']}/files/").get_json() or {}
    names = [f.get("name") for f in listed.get("files", [])]
    assert planted not in names, "a PUT on one project wrote a file into another project"


@pytest.mark.weight(2)
def test_plan_takes_a_float(client, trackly):
    """/projects/<id>/plan/<float:hours_per_day> computes days; '3' (no decimal point) is 404."""
    project = trackly.new_project()
    for estimate in (1.5, 2.5, 4.0):
        trackly.new_issue(project, estimate=estimate)
    base = f"/projects/{project['id']}/plan"

    resp = client.get(f"{base}/3.0")
    assert resp.status_code == 200, f"GET {base}/3.0 answered {resp.status}"
    body = resp.get_json() or {}
    got = {name: body.get(name) for name in ("total_hours", "hours_per_day", "days")}
    assert got == {"total_hours": 8.0, "hours_per_day": 3.0, "days": 3}, f"got {body!r}"
    assert client.get(f"{base}/2.5").get_json()["days"] == 4, "8.0 h at 2.5 h/day is 4 days"
    for bad in ("3", "three", "3.0.1"):
        resp = client.get(f"{base}/{bad}")
        assert resp.status_code == 404, f"GET {base}/{bad} answered {resp.status}, not 404"


@pytest.mark.weight(1)
def test_plan_rejects_a_pace_of_zero(client, trackly):
    """plan/0.0 answers 400 (not a 500 from dividing by zero); plan/-1.0 is 404."""
    project = trackly.new_project()
    trackly.new_issue(project, estimate=2.0)
    base = f"/projects/{project['id']}/plan"
    resp = client.get(f"{base}/0.0")
    assert resp.status_code == 400, f"GET {base}/0.0 answered {resp.status}, expected 400"
    resp = client.get(f"{base}/-1.0")
    assert resp.status_code == 404, f"GET {base}/-1.0 answered {resp.status}, expected 404"


@pytest.mark.weight(2)
def test_label_is_a_single_path_segment(client, trackly):
    """/projects/<id>/labels/<label> lists that label's issues; 'a/b' is 404, unknown is []."""
    project = trackly.new_project()
    trackly.new_issue(project, labels=["ui"])
    trackly.new_issue(project, labels=["api"])
    trackly.new_issue(project, labels=["api", "ui"])
    base = f"/projects/{project['id']}/labels"

    body = client.get(f"{base}/ui").get_json()
    assert isinstance(body, dict) and body.get("label") == "ui", f"got {body!r}"
    assert [i["number"] for i in body.get("issues", [])] == [1, 3], f"got {body!r}"
    empty = client.get(f"{base}/none")
    assert empty.status_code == 200 and empty.get_json().get("issues") == [], (
        f"an unknown label lists no issues, got {empty.status} {empty.text[:80]!r}"
    )
    resp = client.get(f"{base}/ui/extra")
    assert resp.status_code == 404, f"GET {base}/ui/extra answered {resp.status}, not 404"


@pytest.mark.weight(2)
def test_browse_accepts_only_well_formed_issue_keys(client, trackly):
    """/browse/<issue_key:key> matches KEY-N only; other shapes and unknown keys are 404."""
    project = trackly.new_project()
    trackly.new_issue(project)
    key = project["key"]
    assert client.get(f"/browse/{key}-1").status_code == 302, f"/browse/{key}-1 must redirect"
    unknown = "Z" + uuid.uuid4().hex[:8].upper()
    for bad in (
        f"{key.lower()}-1",
        f"{key}1",
        f"{key}-",
        f"{key}-x",
        f"{key}-1-1",
        f"{key}-0",
        f"{key}-99",
        f"{unknown}-1",
    ):
        resp = client.get(f"/browse/{bad}")
        assert resp.status_code == 404, f"GET /browse/{bad} answered {resp.status}, not 404"


@pytest.mark.weight(1)
def test_issue_key_is_a_registered_custom_converter(source):
    """The issue key is parsed by a BaseConverter subclass registered as 'issue_key'."""
    # Behaviour cannot tell a converter from a string rule that parses by hand: read the code.
    subclasses = set()
    for path in source.python_files():
        for node in ast.walk(source.ast(path)):
            if isinstance(node, ast.ClassDef):
                bases = {getattr(b, "id", None) or getattr(b, "attr", None) for b in node.bases}
                if any(name and name.endswith("Converter") for name in bases):
                    subclasses.add(node.name)
    assert subclasses, "no class subclasses werkzeug.routing.BaseConverter"
    code = source.all_text()
    assert "url_map.converters" in code, "the converter is never added to app.url_map.converters"
    assert "<issue_key:" in code, "no rule uses <issue_key:...>"
