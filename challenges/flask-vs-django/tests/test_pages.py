"""Hidden suite for flask-vs-django: the HTML views, their URL converters and their escaping."""

from __future__ import annotations

import re

import pytest

PUBLISHED = ["hello-world", "flask-vs-django", "2024-review", "tips_and_tricks"]
ESCAPED_TITLE = "Tips &amp; tricks for &lt;templates&gt;"
DETAILS = [
    {"slug": "hello-world", "tags": ["news"], "body": "First post on the new blog."},
    {"slug": "2024-review", "tags": ["news"], "body": "What we shipped this year."},
    {
        "slug": "tips_and_tricks",
        "tags": ["python", "templates"],
        "body": "Autoescaping is on; |safe turns it off.",
    },
]


def _post_links(html: str) -> list[str]:
    return re.findall(r'href="(/posts/[^"/]+/)"', html)


def _h1(html: str) -> str | None:
    found = re.search(r"<h1>(.*?)</h1>", html, re.S)
    return found.group(1).strip() if found else None


def _assert_html(resp, status: int = 200) -> str:
    assert resp.status_code == status, f"GET {resp.request_path} answered {resp.status}"
    assert resp.mimetype == "text/html", (
        f"GET {resp.request_path}: expected text/html, got Content-Type {resp.content_type!r}"
    )
    return resp.text


def _assert_404(client, path: str, why: str, control: str) -> None:
    """Assert GET path is 404, once GET control (the same route, an existing item) is 200."""
    ok = client.get(control)
    assert ok.status_code == 200, (
        f"step 1: GET {control} answered {ok.status}, expected 200: without the route, "
        f"a 404 for {path} proves nothing"
    )
    resp = client.get(path)
    assert resp.status_code == 404, (
        f"step 2: GET {path} ({why}) answered {resp.status}, expected 404"
    )


@pytest.mark.visible
@pytest.mark.requirement("R2")
@pytest.mark.weight(2)
@pytest.mark.skill("templates")
def test_post_list_links_every_published_post(client):
    """GET /posts/ is an HTML page "All posts" linking each published post, drafts left out."""
    html = _assert_html(client.get("/posts/"))
    assert _h1(html) == "All posts", f"<h1> is {_h1(html)!r}"
    assert _post_links(html) == [f"/posts/{slug}/" for slug in PUBLISHED], (
        f"links: {_post_links(html)}"
    )
    assert "draft-ideas" not in html, "the draft is listed"


@pytest.mark.requirement("R3")
@pytest.mark.weight(2)
@pytest.mark.skill("converters")
def test_year_archive_lists_that_year(client):
    """GET /posts/<int:year>/ lists that year's published posts under "Posts from <year>"."""
    html = _assert_html(client.get("/posts/2024/"))
    assert _h1(html) == "Posts from 2024", f"<h1> is {_h1(html)!r}"
    assert _post_links(html) == ["/posts/flask-vs-django/", "/posts/2024-review/"], (
        f"links: {_post_links(html)} (the draft of 2024 must not be there)"
    )


@pytest.mark.requirement("R3")
@pytest.mark.weight(1)
@pytest.mark.skill("converters")
def test_year_archive_of_a_year_with_one_post(client):
    """GET /posts/2023/ lists exactly the one post of 2023."""
    html = _assert_html(client.get("/posts/2023/"))
    assert _h1(html) == "Posts from 2023", f"<h1> is {_h1(html)!r}"
    assert _post_links(html) == ["/posts/hello-world/"], f"links: {_post_links(html)}"


@pytest.mark.requirement("R3")
@pytest.mark.weight(2)
@pytest.mark.skill("errors")
def test_year_without_posts_is_404(client):
    """A year with no published post is 404 (Django's Http404), not an empty page."""
    for year in ("1999", "2026", "0"):
        _assert_404(client, f"/posts/{year}/", "a year without posts", "/posts/2025/")


@pytest.mark.requirement("R4")
@pytest.mark.weight(2)
@pytest.mark.skill("templates")
def test_post_detail_page(client):
    """GET /posts/<slug>/ shows the title in <h1>, the body, and links each tag to /tags/<tag>/."""
    html = _assert_html(client.get("/posts/flask-vs-django/"))
    assert _h1(html) == "Flask vs Django", f"<h1> is {_h1(html)!r}"
    assert 'href="/tags/python/"' in html, "no link to /tags/python/"
    assert 'href="/tags/web/"' in html, "no link to /tags/web/"
    assert "One is a micro-framework, the other comes with batteries included." in html, (
        "the post's body is missing"
    )


@pytest.mark.requirement("R4")
@pytest.mark.weight(1)
@pytest.mark.skill("templates")
@pytest.mark.parametrize("post", DETAILS, ids=[post["slug"] for post in DETAILS])
def test_every_published_post_has_its_page(client, post):
    """GET /posts/<slug>/ of each published post shows its body and links each of its tags."""
    html = _assert_html(client.get(f"/posts/{post['slug']}/"))
    assert post["body"] in html, f"the body of {post['slug']} is missing"
    for tag in post["tags"]:
        assert f'href="/tags/{tag}/"' in html, f"{post['slug']}: no link to /tags/{tag}/"


@pytest.mark.requirement("R4", "R13")
@pytest.mark.weight(2)
@pytest.mark.skill("converters")
@pytest.mark.hint("Think about the order in which URL rules that look alike are tried.")
def test_slug_starting_with_digits_is_a_post_not_a_year(client):
    """/posts/2024-review/ is the post (the int route only takes whole numbers)."""
    html = _assert_html(client.get("/posts/2024-review/"))
    assert _h1(html) == "2024 in review", f"<h1> is {_h1(html)!r}"
    assert 'href="/tags/news/"' in html, "no link to /tags/news/"


@pytest.mark.requirement("R4", "R13")
@pytest.mark.weight(1)
@pytest.mark.skill("converters")
def test_slug_with_underscore_matches(client):
    """Underscores are part of a slug: /posts/tips_and_tricks/ is a post."""
    html = _assert_html(client.get("/posts/tips_and_tricks/"))
    assert 'href="/tags/templates/"' in html, "no link to /tags/templates/"


@pytest.mark.requirement("R4")
@pytest.mark.weight(2)
@pytest.mark.skill("errors")
def test_unknown_post_is_404(client):
    """An unknown slug answers 404."""
    _assert_404(client, "/posts/no-such-post/", "an unknown slug", "/posts/hello-world/")


@pytest.mark.requirement("R4")
@pytest.mark.weight(3)
@pytest.mark.skill("errors")
def test_draft_post_is_404(client):
    """An unpublished draft's page answers 404."""
    _assert_404(client, "/posts/draft-ideas/", "a draft", "/posts/hello-world/")


@pytest.mark.requirement("R17")
@pytest.mark.weight(1)
@pytest.mark.skill("templates")
@pytest.mark.parametrize(
    "path", ["/posts/tips_and_tricks/", "/posts/", "/posts/2025/", "/tags/templates/"]
)
@pytest.mark.hint("Titles are shown as text on every page.")
def test_titles_are_html_escaped(client, path):
    """Titles are escaped in HTML ("Tips &amp; tricks for &lt;templates&gt;") on every page."""
    html = _assert_html(client.get(path))
    assert ESCAPED_TITLE in html, f"GET {path}: the escaped title is missing"
    assert "<templates>" not in html, f"GET {path}: the title is written as markup"


@pytest.mark.requirement("R5")
@pytest.mark.weight(2)
@pytest.mark.skill("templates")
def test_tag_page_lists_tagged_posts(client):
    """GET /tags/<slug:tag>/ lists the published posts with that tag, drafts left out."""
    html = _assert_html(client.get("/tags/python/"))
    assert _h1(html) == "Posts tagged python", f"<h1> is {_h1(html)!r}"
    assert _post_links(html) == ["/posts/flask-vs-django/", "/posts/tips_and_tricks/"], (
        f"links: {_post_links(html)}"
    )


@pytest.mark.requirement("R5")
@pytest.mark.weight(1)
@pytest.mark.skill("templates")
def test_tag_page_of_another_tag(client):
    """GET /tags/news/ lists the two news posts in POSTS order."""
    html = _assert_html(client.get("/tags/news/"))
    assert _h1(html) == "Posts tagged news", f"<h1> is {_h1(html)!r}"
    assert _post_links(html) == ["/posts/hello-world/", "/posts/2024-review/"], (
        f"links: {_post_links(html)}"
    )


@pytest.mark.requirement("R5")
@pytest.mark.weight(2)
@pytest.mark.skill("errors")
def test_unknown_tag_is_404(client):
    """A tag no published post has is 404, not an empty page."""
    _assert_404(client, "/tags/cooking/", "a tag without posts", "/tags/news/")


@pytest.mark.requirement("R16")
@pytest.mark.weight(2)
@pytest.mark.skill("routing")
def test_pages_answer_405_to_post_with_an_allow_header(client):
    """The HTML views answer 405 to POST, with an Allow header naming GET (require_safe)."""
    for path in ("/posts/", "/posts/hello-world/", "/posts/2024/", "/tags/news/"):
        resp = client.post(path)
        assert resp.status_code == 405, f"POST {path} answered {resp.status}, expected 405"
        allowed = {m.strip().upper() for m in (resp.headers.get("Allow") or "").split(",")}
        assert "GET" in allowed and "POST" not in allowed, (
            f"POST {path}: the Allow header must name GET (not POST), got {allowed or 'none'}"
        )


@pytest.mark.requirement("R16")
@pytest.mark.weight(1)
@pytest.mark.skill("routing")
def test_pages_answer_head(client):
    """HEAD on a page answers 200 without a body, as require_safe allows."""
    resp = client.head("/posts/hello-world/")
    assert resp.status_code == 200, f"HEAD /posts/hello-world/ answered {resp.status}"
    assert resp.data == b"", "a HEAD answer has no body"


@pytest.mark.requirement("R12")
@pytest.mark.weight(2)
@pytest.mark.skill("templates")
def test_drafts_are_never_listed(client):
    """No list shows the draft: all posts, its year, its tag, the API list and its year filter."""
    for path in (
        "/posts/",
        "/posts/2024/",
        "/tags/python/",
        "/api/posts/",
        "/api/posts/?year=2024",
    ):
        resp = client.get(path)
        for leak in ("draft-ideas", "Draft: ideas"):
            assert leak not in resp.text, f"GET {path} shows the draft ({leak!r})"


@pytest.mark.requirement("R12")
@pytest.mark.weight(3)
@pytest.mark.skill("errors")
@pytest.mark.hint("Drafts must stay out of reach by every URL, not only out of the lists.")
def test_drafts_cannot_be_reached(client):
    """No URL leads to the draft: its page, its short link, its JSON detail, its like URL."""
    page = client.get("/posts/draft-ideas/")
    assert not 200 <= page.status_code < 300, f"GET /posts/draft-ideas/ answered {page.status}"
    short = client.get("/p/4/")
    assert not 200 <= short.status_code < 300 and "draft-ideas" not in (short.location or ""), (
        f"GET /p/4/ answered {short.status} (Location: {short.location!r}): it leads to the draft"
    )
    for method, path in (("GET", "/api/posts/4/"), ("POST", "/api/posts/4/like/")):
        resp = client.open(path, method=method)
        assert not 200 <= resp.status_code < 300, f"{method} {path} answered {resp.status}"
        assert "Draft: ideas" not in resp.text, f"{method} {path} shows the draft"


@pytest.mark.requirement("R14")
@pytest.mark.weight(3)
@pytest.mark.skill("errors")
@pytest.mark.hint("Asking for something that does not exist must answer 404, never crash.")
def test_missing_posts_never_crash(client):
    """A post, year or tag that is not there never crashes the app (Http404 is abort(404))."""
    requests = [
        ("GET", "/posts/no-such-post/"),
        ("GET", "/posts/1999/"),
        ("GET", "/tags/cooking/"),
        ("GET", "/p/999/"),
        ("GET", "/api/posts/999/"),
        ("POST", "/api/posts/999/like/"),
    ]
    for method, path in requests:
        resp = client.open(path, method=method)
        assert resp.status_code < 500, (
            f"{method} {path} answered {resp.status}: a missing post crashes the app "
            "(port Http404 as abort(404))"
        )
