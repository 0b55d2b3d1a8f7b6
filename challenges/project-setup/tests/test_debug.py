"""Hidden suite for project-setup: debug mode is off unless someone turns it on."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.skill("debug-mode"), pytest.mark.requirement("R7")]


@pytest.mark.weight(2)
@pytest.mark.hint("The app as graded must run with debugging off.")
def test_config_check_reports_debug_off(client):
    """/config-check reports "debug": false when nothing turns debug on."""
    resp = client.get("/config-check")
    assert resp.status_code == 200, f"GET /config-check answered {resp.status}"
    body = resp.get_json()
    assert isinstance(body, dict), "/config-check must answer a JSON object"
    assert body.get("debug") is False, f"debug was {body.get('debug')!r}"


@pytest.mark.weight(2)
def test_json_is_compact_as_outside_debug_mode(client):
    """JSON responses are compact, as Flask sends them when debug mode is off."""
    resp = client.get("/health")
    assert resp.status_code == 200, f"GET /health answered {resp.status}"
    assert b"\n" not in resp.data.strip(), (
        "the JSON is indented, which Flask does only in debug mode"
    )


def test_unknown_page_is_a_plain_404(client):
    """An unknown URL is a plain 404, with no traceback or debugger."""
    resp = client.get("/no-such-page")
    assert resp.status_code == 404, f"got {resp.status}"
    assert "Traceback" not in resp.text, "the 404 page shows a traceback"
    assert "Werkzeug Debugger" not in resp.text, "the 404 page shows the debugger"
