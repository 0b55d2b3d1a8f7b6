"""Hidden suite for flask-vs-django: the JSON views (JsonResponse, query strings, 405s)."""

from __future__ import annotations

import pytest

SUMMARIES = [
    {"id": 1, "slug": "hello-world", "title": "Hello, world", "year": 2023},
    {"id": 2, "slug": "flask-vs-django", "title": "Flask vs Django", "year": 2024},
    {"id": 3, "slug": "2024-review", "title": "2024 in review", "year": 2024},
    {"id": 5, "slug": "tips_and_tricks", "title": "Tips & tricks for <templates>", "year": 2025},
]


def _json(resp, status: int = 200):
    assert resp.status_code == status, f"{resp.request_path} answered {resp.status}"
    assert resp.mimetype == "application/json", f"got Content-Type {resp.content_type!r}"
    return resp.get_json()


@pytest.mark.visible
@pytest.mark.weight(2)
@pytest.mark.skill("responses")
def test_api_post_detail(client):
    """GET /api/posts/<int:pk>/ answers the post's JSON, with tags and a like count."""
    body = _json(client.get("/api/posts/2/"))
    assert isinstance(body, dict), "the body must be a JSON object"
    assert isinstance(body.get("likes"), int), '"likes" must be an integer'
    assert body == {**SUMMARIES[1], "tags": ["python", "web"], "likes": body["likes"]}


@pytest.mark.weight(2)
@pytest.mark.skill("responses")
def test_api_post_list(client):
    """GET /api/posts/ answers {"posts": [...]} with a summary of each published post."""
    assert _json(client.get("/api/posts/")) == {"posts": SUMMARIES}


@pytest.mark.skill("responses")
def test_api_post_list_filters_by_year(client):
    """?year=2024 keeps that year's posts; a year without posts gives an empty list."""
    assert _json(client.get("/api/posts/", query_string={"year": "2024"})) == {
        "posts": SUMMARIES[1:3]
    }
    assert _json(client.get("/api/posts/", query_string={"year": "1999"})) == {"posts": []}


@pytest.mark.weight(2)
@pytest.mark.skill("errors")
def test_api_post_list_rejects_a_bad_year(client):
    """?year= that is not an integer is a JSON 400 {"error": ...}, never ignored."""
    for bad in ("abc", "", "20.24"):
        body = _json(client.get("/api/posts/", query_string={"year": bad}), 400)
        assert isinstance(body, dict), "the body must be a JSON object"
        assert body.get("error") == "year must be an integer", f"year={bad!r}: {body!r}"


@pytest.mark.weight(3)
@pytest.mark.skill("errors")
def test_api_unknown_and_draft_posts_are_404(client):
    """/api/posts/<pk>/ answers 404 for an unknown id and for a draft."""
    assert client.get("/api/posts/1/").status_code == 200
    assert client.get("/api/posts/999/").status_code == 404
    assert client.get("/api/posts/4/").status_code == 404


@pytest.mark.skill("converters")
def test_api_ids_are_integers(client):
    """/api/posts/<int:pk>/ does not match non-digits (404, not 500)."""
    assert client.get("/api/posts/3/").status_code == 200
    for bad in ("abc", "-1", "2.0"):
        assert client.get(f"/api/posts/{bad}/").status_code == 404, f"/api/posts/{bad}/"


@pytest.mark.weight(2)
@pytest.mark.skill("responses")
def test_like_adds_one_and_is_visible_in_the_detail(client):
    """POST /api/posts/<pk>/like/ answers {"id", "likes"} with one more like, also in the detail."""
    before = _json(client.get("/api/posts/1/"))["likes"]
    body = _json(client.post("/api/posts/1/like/"))
    assert body == {"id": 1, "likes": before + 1}
    assert _json(client.get("/api/posts/1/"))["likes"] == before + 1


@pytest.mark.weight(2)
@pytest.mark.skill("errors")
def test_like_requires_post(client):
    """GET on the like URL is 405 with an Allow header naming POST (require_POST)."""
    resp = client.get("/api/posts/1/like/")
    assert resp.status_code == 405, f"got {resp.status}"
    assert "POST" in (resp.headers.get("Allow") or ""), "405 must list the allowed methods"


@pytest.mark.skill("errors")
def test_like_on_draft_or_unknown_post_is_404(client):
    """Liking a draft or an unknown post is 404."""
    assert client.post("/api/posts/3/like/").status_code == 200
    assert client.post("/api/posts/4/like/").status_code == 404
    assert client.post("/api/posts/999/like/").status_code == 404
