"""Hidden suite for flask-vs-django: redirects, trailing slashes and the legacy URLs."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = [pytest.mark.skill("redirects")]


def _path(resp) -> str:
    """Return the path the Location header of ``resp`` points to (relative or absolute)."""
    assert resp.location, f"GET {resp.request_path}: a redirect must have a Location header"
    return urlsplit(resp.location).path


def _assert_short_link_works(client) -> None:
    ok = client.get("/p/1/")
    assert ok.status_code == 302, (
        f"step 1: GET /p/1/ answered {ok.status}, expected 302: without the route, a 404 "
        "proves nothing"
    )


@pytest.mark.visible
@pytest.mark.requirement("R6")
@pytest.mark.weight(2)
def test_short_link_redirects_to_the_post(client):
    """GET /p/<int:pk>/ is a 302 to the post's page /posts/<slug>/."""
    resp = client.get("/p/2/")
    assert resp.status_code == 302, f"GET /p/2/ answered {resp.status}, expected 302"
    assert _path(resp) == "/posts/flask-vs-django/", f"Location: {resp.location!r}"
    assert client.get("/p/2/", follow_redirects=True).status_code == 200


@pytest.mark.requirement("R6", "R13")
@pytest.mark.weight(1)
def test_short_link_of_a_post_with_an_underscore(client):
    """GET /p/5/ is a 302 to /posts/tips_and_tricks/."""
    resp = client.get("/p/5/")
    assert resp.status_code == 302, f"GET /p/5/ answered {resp.status}, expected 302"
    assert _path(resp) == "/posts/tips_and_tricks/", f"Location: {resp.location!r}"


@pytest.mark.requirement("R6")
@pytest.mark.weight(1)
@pytest.mark.skill("errors")
def test_short_link_to_an_unknown_post_is_404(client):
    """/p/<pk>/ answers 404, not a redirect, for an unknown id."""
    _assert_short_link_works(client)
    for path in ("/p/999/", "/p/0/"):
        resp = client.get(path)
        assert resp.status_code == 404, f"GET {path} (an unknown id) answered {resp.status}"


@pytest.mark.requirement("R6")
@pytest.mark.weight(2)
@pytest.mark.skill("errors")
def test_short_link_to_a_draft_is_404(client):
    """/p/<pk>/ answers 404, not a redirect to the draft, for a draft."""
    _assert_short_link_works(client)
    resp = client.get("/p/4/")
    assert resp.status_code == 404, f"GET /p/4/ (a draft) answered {resp.status}"


@pytest.mark.requirement("R7")
@pytest.mark.weight(4)
def test_legacy_blog_url_is_a_permanent_redirect(client):
    """GET /blog/<slug>/ is a 301 to /posts/<slug>/."""
    resp = client.get("/blog/hello-world/")
    assert resp.status_code == 301, f"GET /blog/hello-world/ answered {resp.status}, expected 301"
    assert _path(resp) == "/posts/hello-world/", f"Location: {resp.location!r}"


@pytest.mark.requirement("R7")
@pytest.mark.weight(1)
def test_legacy_url_does_not_look_the_post_up(client):
    """GET /blog/<slug>/ of a post that does not exist is still a 301 to /posts/<slug>/."""
    resp = client.get("/blog/removed-long-ago/")
    assert 300 <= resp.status_code < 400, f"answered {resp.status}, expected a redirect (301)"
    assert _path(resp) == "/posts/removed-long-ago/", f"Location: {resp.location!r}"


@pytest.mark.requirement("R7", "R13")
@pytest.mark.weight(2)
@pytest.mark.skill("converters")
def test_legacy_url_matches_every_slug_character(client):
    """/blog/<slug:slug>/ matches ASCII letters of both cases, digits, - and _ (even one)."""
    for slug in ("Under_Score-2", "a", "-", "_", "0"):
        resp = client.get(f"/blog/{slug}/")
        assert 300 <= resp.status_code < 400, (
            f"GET /blog/{slug}/ answered {resp.status}: the slug converter must match it"
        )
        assert _path(resp) == f"/posts/{slug}/", f"Location: {resp.location!r}"


@pytest.mark.requirement("R13")
@pytest.mark.weight(2)
@pytest.mark.skill("converters")
def test_legacy_url_only_matches_slugs(client):
    """/blog/<slug:slug>/ does not match a dot, a space, a ~ or non-ASCII letters: 404."""
    ok = client.get("/blog/hello-world/")
    assert 300 <= ok.status_code < 400, (
        f"step 1: GET /blog/hello-world/ answered {ok.status}, expected a redirect: without the "
        "route, a 404 proves nothing"
    )
    for bad in ("index.php", "caf%C3%A9", "%C3%A9t%C3%A9", "a%20b", "a~b", "a+b"):
        resp = client.get(f"/blog/{bad}/")
        assert resp.status_code == 404, f"GET /blog/{bad}/ answered {resp.status}, expected 404"


@pytest.mark.requirement("R15")
@pytest.mark.weight(1)
@pytest.mark.skill("routing")
@pytest.mark.parametrize(
    "path",
    ["/posts", "/posts/hello-world", "/posts/2024", "/tags/news", "/p/2", "/blog/x", "/api/posts"],
)
def test_missing_trailing_slash_redirects(client, path):
    """A URL without its trailing slash redirects (301 or 308) to the slashed URL."""
    resp = client.get(path)
    assert resp.status_code in (301, 308), f"GET {path} answered {resp.status}, expected 301/308"
    assert _path(resp) == path + "/", f"GET {path}: Location {resp.location!r}"


@pytest.mark.requirement("R15")
@pytest.mark.weight(1)
@pytest.mark.skill("routing")
def test_trailing_slash_redirect_keeps_the_query_string(client):
    """GET /api/posts?year=2024 redirects to /api/posts/?year=2024."""
    resp = client.get("/api/posts", query_string={"year": "2024"})
    assert resp.status_code in (301, 308), f"answered {resp.status}, expected 301 or 308"
    assert _path(resp) == "/api/posts/", f"Location {resp.location!r}"
    assert parse_qs(urlsplit(resp.location).query) == {"year": ["2024"]}, (
        f"the query string was lost: Location {resp.location!r}"
    )


@pytest.mark.requirement("R1")
@pytest.mark.weight(1)
def test_root_redirects_to_the_post_list(client):
    """GET / is a temporary (302) redirect to /posts/."""
    resp = client.get("/")
    assert resp.status_code == 302, f"GET / answered {resp.status}, expected 302"
    assert _path(resp) == "/posts/", f"Location {resp.location!r}"
