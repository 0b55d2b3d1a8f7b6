"""Where POST /login sends the browser: the next parameter must stay on this site."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.skill("safe-redirects")]


def _assert_stays_home(response, browser_target, next_value):
    assert response.status_code in (302, 303), (
        f"login with next={next_value!r} returned {response.status_code}, expected a redirect"
    )
    host, path = browser_target(response.location or "")
    home, _ = browser_target("/")
    assert host == home, f"next={next_value!r} sent the browser to {response.location!r}"
    assert path == "/dashboard", (
        f"an unsafe next={next_value!r} must fall back to /dashboard, got {response.location!r}"
    )


@pytest.mark.weight(2)
def test_login_follows_a_local_next(client, register, login, browser_target):
    """POST /login?next=/api/me?view=full redirects there after a successful login"""
    username, password = register()
    response = login(client, username, password, next_="/api/me?view=full")
    assert response.status_code in (302, 303), f"login returned {response.status_code}"
    host, path = browser_target(response.location or "")
    assert (host, path) == browser_target("/api/me"), f"redirected to {response.location!r}"
    assert "view=full" in response.location, "the query string of next was dropped"


@pytest.mark.weight(1)
def test_login_without_next_goes_to_dashboard(client, register, login, browser_target):
    """POST /login without next redirects to /dashboard"""
    username, password = register()
    response = login(client, username, password)
    _assert_stays_home(response, browser_target, None)


@pytest.mark.weight(2)
def test_absolute_external_next_is_ignored(client, register, login, browser_target):
    """POST /login?next=https://evil.example/... ignores next and redirects to /dashboard"""
    username, password = register()
    next_value = "https://evil.example/phish"
    _assert_stays_home(login(client, username, password, next_value), browser_target, next_value)


@pytest.mark.weight(2)
def test_scheme_relative_next_is_ignored(client, register, login, browser_target):
    """POST /login?next=//evil.example/... ignores next and redirects to /dashboard"""
    username, password = register()
    next_value = "//evil.example/phish"
    _assert_stays_home(login(client, username, password, next_value), browser_target, next_value)


@pytest.mark.weight(1)
def test_next_that_turns_into_another_host_is_ignored(make_client, register, login, browser_target):
    """A next that becomes //host on the way out (/<TAB>/evil.example) never leaves the site"""
    username, password = register()
    # Werkzeug's redirect() and browsers both drop tabs and newlines inside a URL, and browsers
    # read "\\" as "/": each of these passes a naive startswith("/") check.
    for next_value in ("/\t/evil.example/phish", "/\n/evil.example/phish", "/\\evil.example/phish"):
        response = login(make_client(), username, password, next_value)
        assert response.status_code in (302, 303), f"login returned {response.status_code}"
        host, _ = browser_target(response.location or "")
        home, _ = browser_target("/")
        assert host == home, f"next={next_value!r} sent the browser to {response.location!r}"
