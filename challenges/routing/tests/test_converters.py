"""Routing suite: variable rules and converters (int and a custom issue_key converter)."""

from __future__ import annotations

import ast
import uuid

import pytest

pytestmark = pytest.mark.skill("converters")


@pytest.mark.weight(2)
@pytest.mark.requirement("R12")
@pytest.mark.hint("Let the URL rule decide which ids match, rather than checking in the view.")
def test_project_id_matches_digits_only(client, trackly):
    """/projects/<id> takes an int: words, signs, decimals and huge ids are 404, never 500."""
    project = trackly.new_project()
    assert client.get(f"/projects/{project['id']}").status_code == 200, "step 1: GET the project"
    for bad in ("abc", "-1", "1.5", "1e3", "0x1F", "%201", "1%20", str(10**30)):
        resp = client.get(f"/projects/{bad}")
        assert resp.status_code == 404, f"GET /projects/{bad} answered {resp.status}, not 404"


@pytest.mark.weight(1)
@pytest.mark.requirement("R12")
def test_issue_number_matches_digits_only(client, trackly):
    """/projects/<id>/issues/<number> takes an int: '1.0', '-1', 'one' are 404."""
    project = trackly.new_project()
    trackly.new_issue(project)
    base = f"/projects/{project['id']}/issues"
    assert client.get(f"{base}/1").status_code == 200, f"step 1: GET {base}/1 must answer 200"
    for bad in ("1.0", "-1", "one", "%201"):
        resp = client.get(f"{base}/{bad}")
        assert resp.status_code == 404, f"GET {base}/{bad} answered {resp.status}, not 404"


@pytest.mark.weight(2)
@pytest.mark.requirement("R13")
def test_browse_refuses_malformed_and_unknown_issue_keys(client, trackly):
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
        f"{key}-01",
        f"{key}--1",
        f"{key}-99",
        f"{unknown}-1",
    ):
        resp = client.get(f"/browse/{bad}")
        assert resp.status_code == 404, f"GET /browse/{bad} answered {resp.status}, not 404"


@pytest.mark.weight(2)
@pytest.mark.requirement("R13", "R14")
def test_browse_accepts_keys_of_2_and_10_characters(client, trackly, path_of):
    """/browse/KEY-N works for project keys of exactly 2 and exactly 10 characters."""
    for length in (2, 10):
        project = trackly.new_project_with_key_length(length)
        for _ in range(10):
            trackly.new_issue(project)
        url = f"/browse/{project['key']}-10"
        resp = client.get(url)
        assert resp.status_code == 302, f"GET {url} answered {resp.status}, expected 302"
        target = f"/projects/{project['id']}/issues/10"
        assert path_of(resp.location) == target, f"GET {url}: Location was {resp.location!r}"


@pytest.mark.weight(1)
@pytest.mark.requirement("R13")
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
