"""Where POST /login sends the browser: next is followed only when it stays on this site."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.skill("safe-redirects")]

OTHER_HOST = ["https://evil.example/phish", "HTTP://EVIL.EXAMPLE", "//evil.example/phish"]
# Werkzeug's redirect() and browsers drop tabs and newlines inside a URL, browsers drop spaces
# and control characters in front and read "\\" as "/": each of these can become //evil.example.
REWRITTEN_BY_BROWSERS = [
    "/\\evil.example/phish",
    "/\t/evil.example/phish",
    "/\n/evil.example/phish",
    "\t//evil.example/phish",
    " //evil.example/phish",
    "///evil.example/phish",
]


def _assert_stays_on_site(response, where_browser_goes, next_value):
    """The browser does not leave the site: a redirect home, or a refusal (4xx)."""
    status = response.status_code
    assert status < 500, (
        f"login with next={next_value!r} answered {status}: a hostile next crashes the login"
    )
    if 300 <= status < 400:
        host, _ = where_browser_goes(response.location)
        home, _ = where_browser_goes("/")
        assert host == home, (
            f"OPEN REDIRECT: next={next_value!r} sent the browser to {host} "
            f"(Location: {response.location!r})"
        )
    else:
        assert 400 <= status < 500, f"login with next={next_value!r} answered {status}"


@pytest.mark.requirement("R8")
@pytest.mark.weight(2)
@pytest.mark.parametrize(
    ("next_value", "path", "query"),
    [("/api/me?view=full", "/api/me", "view=full"), ("/api/me?q=a b", "/api/me", "q=a")],
    ids=["with-query", "with-space"],
)
def test_login_follows_a_local_next(
    client, read_only_user, login, where_browser_goes, next_value, path, query
):
    """POST /login?next=<a path on this site> answers 302 to that path, query string kept"""
    username, password, _ = read_only_user
    response = login(client, username, password, next_=next_value)
    assert response.status_code == 302, f"login returned {response.status_code}, expected 302"
    assert where_browser_goes(response.location) == where_browser_goes(path), (
        f"next={next_value!r}: redirected to {response.location!r}"
    )
    assert query in (response.location or ""), "the query string of next was dropped"


@pytest.mark.requirement("R8")
@pytest.mark.weight(1)
def test_login_without_next_goes_to_dashboard(client, read_only_user, login, where_browser_goes):
    """POST /login without next answers 302 to /dashboard"""
    username, password, _ = read_only_user
    response = login(client, username, password)
    assert response.status_code == 302, f"login returned {response.status_code}, expected 302"
    assert where_browser_goes(response.location) == where_browser_goes("/dashboard"), (
        f"redirected to {response.location!r}, expected /dashboard"
    )


def _assert_falls_back_to_dashboard(make_client, login, where_browser_goes, user, values):
    username, password, _ = user
    for next_value in values:
        response = login(make_client(), username, password, next_value)
        assert response.status_code == 302, (
            f"login with next={next_value!r} returned {response.status_code}, expected 302: "
            "an unsafe next is ignored, the login still succeeds"
        )
        assert where_browser_goes(response.location) == where_browser_goes("/dashboard"), (
            f"next={next_value!r} is not safe: expected a 302 to /dashboard, "
            f"got {response.location!r}"
        )


@pytest.mark.requirement("R8")
@pytest.mark.weight(1)
@pytest.mark.hint("After a login, follow only a `next` that stays on this site.")
def test_a_next_to_another_host_falls_back_to_dashboard(
    make_client, read_only_user, login, where_browser_goes
):
    """POST /login with an absolute or scheme-relative next answers 302 to /dashboard"""
    _assert_falls_back_to_dashboard(
        make_client, login, where_browser_goes, read_only_user, OTHER_HOST
    )


@pytest.mark.requirement("R8")
@pytest.mark.weight(1)
def test_a_next_with_a_backslash_or_control_character_falls_back_to_dashboard(
    make_client, read_only_user, login, where_browser_goes
):
    """POST /login with a backslash or a control character in next answers 302 to /dashboard"""
    values = [
        "/\\evil.example/phish",
        "/\t/evil.example/phish",
        "/\x1f/evil.example/phish",
        "/\x7f/evil.example/phish",
    ]
    _assert_falls_back_to_dashboard(make_client, login, where_browser_goes, read_only_user, values)


@pytest.mark.requirement("R20")
@pytest.mark.weight(2)
@pytest.mark.parametrize(
    "next_value", OTHER_HOST, ids=["absolute", "upper-case", "scheme-relative"]
)
def test_next_to_another_host_never_leaves_the_site(
    make_client, read_only_user, login, where_browser_goes, next_value
):
    """POST /login with an absolute or scheme-relative next never sends the browser off-site"""
    username, password, _ = read_only_user
    response = login(make_client(), username, password, next_value)
    _assert_stays_on_site(response, where_browser_goes, next_value)


@pytest.mark.requirement("R21")
@pytest.mark.weight(1)
@pytest.mark.parametrize(
    "next_value",
    REWRITTEN_BY_BROWSERS,
    ids=["backslash", "tab-inside", "newline-inside", "tab-in-front", "space-in-front", "3-slash"],
)
def test_next_rewritten_by_browsers_never_leaves_the_site(
    make_client, read_only_user, login, where_browser_goes, next_value
):
    """POST /login with a next a browser reads as //host (backslash, tab...) stays on the site"""
    username, password, _ = read_only_user
    response = login(make_client(), username, password, next_value)
    _assert_stays_on_site(response, where_browser_goes, next_value)
