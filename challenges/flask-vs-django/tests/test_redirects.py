"""Hidden suite for flask-vs-django: redirects, trailing slashes and the legacy URLs."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.skill("redirects")]


def _path(location: str | None) -> str:
    """Return the path a Location header points to (relative or absolute)."""
    assert location, "a redirect must have a Location header"
    return urlsplit(location).path


@pytest.mark.visible
@pytest.mark.weight(2)
def test_short_link_redirects_to_the_post(client):
    """GET /p/<int:pk>/ is a 302 to the post's page /posts/<slug>/."""
    resp = client.get("/p/2/")
    assert resp.status_code == 302, f"got {resp.status}"
    assert _path(resp.location) == "/posts/flask-vs-django/"
    assert client.get("/p/2/", follow_redirects=True).status_code == 200


@pytest.mark.skill("errors")
def test_short_link_to_draft_or_unknown_post_is_404(client):
    """/p/<pk>/ answers 404, not a redirect, for a draft or an unknown id."""
    assert client.get("/p/4/").status_code == 404
    assert client.get("/p/999/").status_code == 404


@pytest.mark.weight(2)
def test_legacy_blog_url_is_a_permanent_redirect(client):
    """GET /blog/<slug>/ is a 301 to /posts/<slug>/, without looking the post up."""
    resp = client.get("/blog/hello-world/")
    assert resp.status_code == 301, f"got {resp.status}"
    assert _path(resp.location) == "/posts/hello-world/"
    gone = client.get("/blog/removed-long-ago/")
    assert gone.status_code == 301, f"got {gone.status}"
    assert _path(gone.location) == "/posts/removed-long-ago/"


@pytest.mark.weight(2)
@pytest.mark.skill("converters")
def test_legacy_url_only_matches_slugs(client):
    """/blog/<slug:slug>/ does not match a dot or non-ASCII text: 404, no redirect."""
    assert client.get("/blog/under_score-2/").status_code == 301
    for bad in ("index.php", "caf%C3%A9", "a%20b"):
        resp = client.get(f"/blog/{bad}/")
        assert resp.status_code == 404, f"/blog/{bad}/ answered {resp.status}"


@pytest.mark.weight(2)
@pytest.mark.skill("routing")
def test_missing_trailing_slash_redirects(client):
    """A URL without its trailing slash redirects (301 or 308) to the slashed URL."""
    for path in ("/posts", "/posts/hello-world", "/api/posts/2"):
        resp = client.get(path)
        assert resp.status_code in (301, 308), f"GET {path} answered {resp.status}"
        assert _path(resp.location) == path + "/"


def test_root_redirects_to_the_post_list(client):
    """GET / is a temporary (302) redirect to /posts/."""
    resp = client.get("/")
    assert resp.status_code == 302, f"got {resp.status}"
    assert _path(resp.location) == "/posts/"
