"""Hidden suite for flask-vs-django: the HTML views and their URL converters."""

from __future__ import annotations

import re

import pytest

PUBLISHED = ["hello-world", "flask-vs-django", "2024-review", "tips_and_tricks"]


def _post_links(html: str) -> list[str]:
    return re.findall(r'href="(/posts/[^"/]+/)"', html)


def _h1(html: str) -> str | None:
    found = re.search(r"<h1>(.*?)</h1>", html, re.S)
    return found.group(1).strip() if found else None


def _assert_html(resp, status: int = 200) -> str:
    assert resp.status_code == status, f"{resp.request_path} answered {resp.status}"
    assert resp.mimetype == "text/html", f"got Content-Type {resp.content_type!r}"
    return resp.text


@pytest.mark.visible
@pytest.mark.weight(2)
@pytest.mark.skill("templates")
def test_post_list_links_every_published_post(client):
    """GET /posts/ is an HTML page "All posts" linking each published post, drafts left out."""
    html = _assert_html(client.get("/posts/"))
    assert _h1(html) == "All posts"
    assert _post_links(html) == [f"/posts/{slug}/" for slug in PUBLISHED]
    assert "draft-ideas" not in html


@pytest.mark.weight(2)
@pytest.mark.skill("converters")
def test_year_archive_lists_that_year(client):
    """GET /posts/<int:year>/ lists that year's published posts under "Posts from <year>"."""
    html = _assert_html(client.get("/posts/2024/"))
    assert _h1(html) == "Posts from 2024"
    assert _post_links(html) == ["/posts/flask-vs-django/", "/posts/2024-review/"]


@pytest.mark.skill("errors")
def test_year_without_posts_is_404(client):
    """A year with no published post is 404 (Django's Http404)."""
    assert client.get("/posts/2025/").status_code == 200
    assert client.get("/posts/1999/").status_code == 404


@pytest.mark.weight(2)
@pytest.mark.skill("templates")
def test_post_detail_page(client):
    """GET /posts/<slug>/ shows the title in <h1> and links each tag to /tags/<tag>/."""
    html = _assert_html(client.get("/posts/flask-vs-django/"))
    assert _h1(html) == "Flask vs Django"
    assert 'href="/tags/python/"' in html
    assert 'href="/tags/web/"' in html
    assert "batteries included" in html


@pytest.mark.weight(2)
@pytest.mark.skill("converters")
def test_slug_starting_with_digits_is_a_post_not_a_year(client):
    """/posts/2024-review/ is the post (the int route only takes whole numbers)."""
    html = _assert_html(client.get("/posts/2024-review/"))
    assert _h1(html) == "2024 in review"


@pytest.mark.skill("converters")
def test_slug_with_underscore_matches(client):
    """Underscores are part of a slug: /posts/tips_and_tricks/ is a post."""
    _assert_html(client.get("/posts/tips_and_tricks/"))


@pytest.mark.weight(3)
@pytest.mark.skill("errors")
def test_unknown_and_draft_posts_are_404(client):
    """An unknown slug and an unpublished draft both answer 404."""
    assert client.get("/posts/hello-world/").status_code == 200
    assert client.get("/posts/no-such-post/").status_code == 404
    assert client.get("/posts/draft-ideas/").status_code == 404


@pytest.mark.weight(3)
@pytest.mark.skill("templates")
def test_titles_are_html_escaped(client):
    """Titles are escaped in HTML ("Tips &amp; tricks for &lt;templates&gt;"), as in Django."""
    escaped = "Tips &amp; tricks for &lt;templates&gt;"
    detail = _assert_html(client.get("/posts/tips_and_tricks/"))
    assert escaped in detail
    assert "<templates>" not in detail
    listing = _assert_html(client.get("/posts/"))
    assert escaped in listing
    assert "<templates>" not in listing


@pytest.mark.skill("templates")
def test_tag_page_lists_tagged_posts(client):
    """GET /tags/<slug:tag>/ lists the published posts with that tag."""
    html = _assert_html(client.get("/tags/python/"))
    assert _h1(html) == "Posts tagged python"
    assert _post_links(html) == ["/posts/flask-vs-django/", "/posts/tips_and_tricks/"]


@pytest.mark.skill("errors")
def test_unknown_tag_is_404(client):
    """A tag no published post has is 404."""
    assert client.get("/tags/news/").status_code == 200
    assert client.get("/tags/cooking/").status_code == 404


@pytest.mark.skill("routing")
def test_pages_only_answer_get(client):
    """The HTML views answer 405 to POST, as Django's require_safe does."""
    assert client.post("/posts/").status_code == 405
    assert client.post("/posts/hello-world/").status_code == 405
