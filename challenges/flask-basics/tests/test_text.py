"""Hidden suite for flask-basics: the plain-text status summary."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.skill("content-types")]


@pytest.mark.weight(2)
@pytest.mark.requirement("R15")
def test_status_txt_is_plain_text(client):
    """GET /status.txt answers 200 text/plain in UTF-8, not text/html."""
    resp = client.get("/status.txt")
    assert resp.status_code == 200, f"GET /status.txt answered {resp.status}"
    assert resp.mimetype == "text/plain", f"got Content-Type {resp.content_type!r}"
    assert "charset=utf-8" in (resp.content_type or "").lower().replace(" ", ""), (
        f"the Content-Type must say charset=utf-8, got {resp.content_type!r}"
    )


@pytest.mark.weight(1)
@pytest.mark.requirement("R15")
def test_status_txt_lists_an_open_incident(client, status_page):
    """/status.txt starts with "status: degraded" and has a "#id [severity] title" line."""
    title = status_page.title("CDN errors")
    created = status_page.create(title, "critical")
    lines = client.get("/status.txt").text.splitlines()
    assert lines, "the body is empty"
    assert lines[0] == "status: degraded", f"the first line was {lines[0]!r}"
    assert f"#{created['id']} [critical] {title}" in lines, f"no line for #{created['id']}"


@pytest.mark.weight(2)
@pytest.mark.requirement("R15", "R8")
def test_status_txt_is_exact_on_calm_and_busy_days(client, status_page):
    """With no open incident the body is "status: operational\\n"; then one line per incident."""
    status_page.resolve_all()
    resp = client.get("/status.txt")
    assert resp.status_code == 200, f"step 1: GET /status.txt answered {resp.status}"
    assert resp.text == "status: operational\n", (
        f"step 1: with no open incident the body must be 'status: operational\\n', "
        f"got {resp.text!r}"
    )
    first = status_page.create(status_page.title("API slow"), "major")
    second = status_page.create(status_page.title("Backups late"), "minor")
    body = client.get("/status.txt").text
    expected = {
        f"#{first['id']} [major] {first['title']}",
        f"#{second['id']} [minor] {second['title']}",
    }
    assert body.endswith("\n") and "\r" not in body, f"step 2: lines must end with \\n: {body!r}"
    lines = body[:-1].split("\n")
    assert lines[0] == "status: degraded", f"step 2: the first line was {lines[0]!r}"
    assert set(lines[1:]) == expected and len(lines) == 3, (
        f"step 2: expected the status line and one line per open incident, got {body!r}"
    )


@pytest.mark.weight(1)
@pytest.mark.requirement("R16")
def test_status_txt_is_not_html_escaped(client, status_page):
    """Plain text is sent as typed: "R&D <ops>" is not turned into HTML entities."""
    title = status_page.title('R&D <ops> "VPN" down')
    created = status_page.create(title, "minor")
    lines = client.get("/status.txt").text.splitlines()
    assert f"#{created['id']} [minor] {title}" in lines, (
        f"the line of #{created['id']} must hold the title exactly as typed"
    )


@pytest.mark.weight(1)
@pytest.mark.requirement("R16")
def test_status_txt_sends_non_ascii_titles_in_utf8(client, status_page):
    """Non-ASCII titles reach /status.txt as UTF-8 bytes."""
    title = status_page.title("Zürich café ☕ offline")
    created = status_page.create(title, "major")
    resp = client.get("/status.txt")
    line = f"#{created['id']} [major] {title}".encode()
    assert line in resp.data.split(b"\n"), f"no UTF-8 line {line!r} in {resp.data[-200:]!r}"
