"""Hidden suite for flask-basics: HTML pages rendered from templates."""

from __future__ import annotations

import ast
import uuid

import pytest

pytestmark = [pytest.mark.skill("templates")]


@pytest.mark.weight(2)
@pytest.mark.requirement("R12")
def test_home_page_is_an_html_document(client):
    """GET / answers 200 text/html: a full document with the heading and the incident list."""
    resp = client.get("/")
    assert resp.status_code == 200, f"GET / answered {resp.status}"
    assert resp.mimetype == "text/html", f"got Content-Type {resp.content_type!r}"
    page = resp.text
    assert page.lstrip().lower().startswith("<!doctype html>"), "the page must be a full document"
    assert "<h1>Service status</h1>" in page, "the page must have <h1>Service status</h1>"
    assert '<ul id="incidents">' in page, 'the page must have <ul id="incidents">'


@pytest.mark.weight(2)
@pytest.mark.requirement("R12")
def test_home_page_lists_an_open_incident(status_page):
    """The home page shows an open incident as an <li> whose text is "[severity] title"."""
    title = status_page.title("Login outage")
    status_page.create(title, "critical")
    items = status_page.list_items()
    assert f"[critical] {title}" in items, (
        f'no <li> of <ul id="incidents"> reads "[critical] {title}": {items[-5:]!r}'
    )


@pytest.mark.weight(2)
@pytest.mark.requirement("R12", "R8")
def test_home_page_has_one_item_per_open_incident(status_page):
    """The list has exactly one <li> per open incident, and none once all are resolved."""
    status_page.resolve_all()
    assert status_page.list_items() == [], "step 1: with no open incident the list is empty"
    first = status_page.create(status_page.title("Disk full"), "minor")
    second = status_page.create(status_page.title("Mail delayed"), "major")
    items = status_page.list_items()
    assert sorted(items) == sorted([f"[minor] {first['title']}", f"[major] {second['title']}"]), (
        f"step 2: with two open incidents the list must have their two <li>, got {items!r}"
    )


@pytest.mark.weight(1)
@pytest.mark.requirement("R8", "R12")
def test_home_page_drops_a_deleted_incident(client, status_page):
    """A deleted incident no longer appears on the home page."""
    title = status_page.title("Queue backlog")
    created = status_page.create(title)
    assert title in client.get("/").text, "step 1: the open incident must be on the page"
    deleted = client.delete(f"/api/incidents/{created['id']}")
    assert deleted.status_code == 204, f"step 2: DELETE answered {deleted.status}"
    assert title not in client.get("/").text, "step 3: the resolved incident is still shown"


@pytest.mark.weight(3)
@pytest.mark.requirement("R13")
@pytest.mark.hint("Titles are user input: markup in them must show as text.")
def test_home_page_escapes_titles(client, status_page):
    """Titles are HTML-escaped on the status page: a <script> title cannot inject markup."""
    marker = uuid.uuid4().hex[:10]
    title = f'<script>alert("{marker}")</script> & <b>'
    status_page.create(title)
    page = client.get("/").text
    assert marker in page, "the incident must be on the page"
    assert "<script>alert" not in page, "the title was inserted as raw HTML (cross-site scripting)"
    assert "&lt;script&gt;" in page and "&amp; &lt;b&gt;" in page, (
        "the title's <, > and & must be escaped as &lt; &gt; &amp;"
    )


@pytest.mark.weight(2)
@pytest.mark.requirement("R13")
def test_incident_page_escapes_titles(client, status_page):
    """Titles are HTML-escaped on the incident page too."""
    marker = uuid.uuid4().hex[:10]
    created = status_page.create(f"<img src=x onerror=alert('{marker}')>")
    resp = client.get(f"/incidents/{created['id']}")
    assert resp.status_code == 200, f"GET /incidents/{created['id']} answered {resp.status}"
    assert marker in resp.text, "the incident page must show the title"
    assert "<img src=x" not in resp.text, "the title was inserted as raw HTML on the page"
    assert "&lt;img src=x" in resp.text, "the title's < must be escaped as &lt;"


@pytest.mark.weight(2)
@pytest.mark.requirement("R14")
def test_incident_page_renders(client, status_page):
    """GET /incidents/<id> is an HTML page with the incident number and title."""
    title = status_page.title("Search index")
    created = status_page.create(title, "minor")
    resp = client.get(f"/incidents/{created['id']}")
    assert resp.status_code == 200, f"GET /incidents/{created['id']} answered {resp.status}"
    assert resp.mimetype == "text/html", f"got Content-Type {resp.content_type!r}"
    heading = f"<h1>Incident #{created['id']}</h1>"
    assert heading in resp.text, f"the page must contain {heading}"
    assert title in resp.text, "the page must contain the title"


@pytest.mark.weight(1)
@pytest.mark.skill("status-codes")
@pytest.mark.requirement("R14")
def test_incident_page_for_unknown_id_is_404(client, status_page):
    """GET /incidents/<id> for an id that does not exist (or was resolved) answers 404."""
    assert client.get("/incidents/987654323").status_code == 404, "an unknown id must be 404"
    created = status_page.create()
    url = f"/incidents/{created['id']}"
    assert client.delete(f"/api/incidents/{created['id']}").status_code == 204, "step 1: DELETE"
    assert client.get(url).status_code == 404, f"step 2: GET {url} of a resolved incident"


@pytest.mark.weight(1)
@pytest.mark.requirement("R12", "R14")
def test_pages_are_rendered_from_templates(source):
    """The pages come from render_template and .html templates in templates/."""
    # Behaviour cannot tell a template from an HTML string built in Python: read the code.
    templates = [p for p in source.files if p.startswith("templates/") and p.endswith(".html")]
    assert templates, "no .html template in templates/"
    called = set()
    for path in source.python_files():
        for node in ast.walk(source.ast(path)):
            if isinstance(node, ast.Call):
                func = node.func
                called.add(getattr(func, "id", None) or getattr(func, "attr", None))
    assert "render_template" in called, "the pages are not rendered with render_template"
    assert any("Service status" in source.text(p) for p in templates), (
        "no template holds the status page (<h1>Service status</h1>)"
    )
