"""Hidden suite for flask-vs-django: the JSON views (JsonResponse, query strings, 405s)."""

from __future__ import annotations

import pytest

SUMMARIES = [
    {"id": 1, "slug": "hello-world", "title": "Hello, world", "year": 2023},
    {"id": 2, "slug": "flask-vs-django", "title": "Flask vs Django", "year": 2024},
    {"id": 3, "slug": "2024-review", "title": "2024 in review", "year": 2024},
    {"id": 5, "slug": "tips_and_tricks", "title": "Tips & tricks for <templates>", "year": 2025},
]
YEAR_ERROR = {"error": "year must be an integer"}


def _json(resp, status: int = 200):
    where = f"{resp.request_path}"
    assert resp.status_code == status, f"{where} answered {resp.status}, expected {status}"
    assert resp.mimetype == "application/json", (
        f"{where}: expected application/json, got Content-Type {resp.content_type!r}"
    )
    return resp.get_json()


def _assert_detail_works(client) -> None:
    ok = client.get("/api/posts/1/")
    assert ok.status_code == 200, (
        f"step 1: GET /api/posts/1/ answered {ok.status}, expected 200: without the route, "
        "a 404 proves nothing"
    )


@pytest.mark.visible
@pytest.mark.requirement("R10")
@pytest.mark.weight(2)
@pytest.mark.skill("responses")
def test_api_post_detail(client):
    """GET /api/posts/<int:pk>/ answers the post's JSON, with tags and a like count."""
    body = _json(client.get("/api/posts/2/"))
    assert isinstance(body, dict), "the body must be a JSON object"
    assert isinstance(body.get("likes"), int), '"likes" must be an integer'
    assert body == {**SUMMARIES[1], "tags": ["python", "web"], "likes": body["likes"]}, body


@pytest.mark.requirement("R10")
@pytest.mark.weight(1)
@pytest.mark.skill("responses")
def test_api_post_detail_of_the_last_post(client):
    """GET /api/posts/5/ answers post 5 (title unescaped in JSON) with its two tags."""
    body = _json(client.get("/api/posts/5/"))
    assert isinstance(body, dict), "the body must be a JSON object"
    assert body == {**SUMMARIES[3], "tags": ["python", "templates"], "likes": body.get("likes")}
    assert isinstance(body["likes"], int), '"likes" must be an integer'


@pytest.mark.requirement("R8")
@pytest.mark.weight(2)
@pytest.mark.skill("responses")
def test_api_post_list(client):
    """GET /api/posts/ answers {"posts": [...]} with a summary of each published post."""
    assert _json(client.get("/api/posts/")) == {"posts": SUMMARIES}


@pytest.mark.requirement("R8")
@pytest.mark.weight(2)
@pytest.mark.skill("responses")
def test_api_post_list_filters_by_year(client):
    """?year=2024 keeps that year's published posts; ?year=2023 and 2025 one each."""
    for year, expected in (
        ("2024", SUMMARIES[1:3]),
        ("2023", SUMMARIES[:1]),
        ("2025", SUMMARIES[3:]),
    ):
        body = _json(client.get("/api/posts/", query_string={"year": year}))
        assert body == {"posts": expected}, f"year={year}: {body!r}"


@pytest.mark.requirement("R8")
@pytest.mark.weight(1)
@pytest.mark.skill("responses")
def test_api_post_list_of_a_year_without_posts_is_empty(client):
    """?year=1999 (or a negative year) gives {"posts": []}, not a 404."""
    for year in ("1999", "-2024"):
        body = _json(client.get("/api/posts/", query_string={"year": year}))
        assert body == {"posts": []}, f"year={year}: {body!r}"


@pytest.mark.requirement("R9")
@pytest.mark.weight(1)
@pytest.mark.skill("responses")
def test_api_post_list_accepts_what_int_accepts(client):
    """?year= with a sign or surrounding spaces ("+2024", " 2024 ") filters as int() reads it."""
    for year in ("+2024", " 2024 ", "02024"):
        body = _json(client.get("/api/posts/", query_string={"year": year}))
        assert body == {"posts": SUMMARIES[1:3]}, f"year={year!r}: {body!r}"


@pytest.mark.requirement("R9")
@pytest.mark.weight(3)
@pytest.mark.skill("errors")
def test_api_post_list_rejects_a_year_that_is_not_a_number(client):
    """?year= that int() rejects is a JSON 400 {"error": "year must be an integer"}."""
    for bad in ("abc", "20.24", "2024a", "0x7e8", "2 024"):
        body = _json(client.get("/api/posts/", query_string={"year": bad}), 400)
        assert body == YEAR_ERROR, f"year={bad!r}: {body!r}"


@pytest.mark.requirement("R9")
@pytest.mark.weight(2)
@pytest.mark.skill("errors")
def test_api_post_list_rejects_an_empty_year(client):
    """An empty ?year= is a JSON 400 too (int("") fails), not the unfiltered list."""
    body = _json(client.get("/api/posts/", query_string={"year": ""}), 400)
    assert body == YEAR_ERROR, f"year='': {body!r}"


@pytest.mark.requirement("R10")
@pytest.mark.weight(2)
@pytest.mark.skill("errors")
def test_api_unknown_post_is_404(client):
    """/api/posts/<pk>/ answers 404 for an unknown id."""
    _assert_detail_works(client)
    for pk in ("999", "0", "6"):
        resp = client.get(f"/api/posts/{pk}/")
        assert resp.status_code == 404, f"GET /api/posts/{pk}/ answered {resp.status}"


@pytest.mark.requirement("R10")
@pytest.mark.weight(3)
@pytest.mark.skill("errors")
def test_api_draft_post_is_404(client):
    """/api/posts/<pk>/ answers 404 for a draft."""
    _assert_detail_works(client)
    resp = client.get("/api/posts/4/")
    assert resp.status_code == 404, f"GET /api/posts/4/ (a draft) answered {resp.status}"


@pytest.mark.requirement("R13")
@pytest.mark.weight(1)
@pytest.mark.skill("converters")
def test_api_ids_are_integers(client):
    """/api/posts/<int:pk>/ does not match non-digits (404, not 500)."""
    _assert_detail_works(client)
    for bad in ("abc", "-1", "2.0", "1e1"):
        resp = client.get(f"/api/posts/{bad}/")
        assert resp.status_code == 404, f"GET /api/posts/{bad}/ answered {resp.status}"


@pytest.mark.requirement("R11")
@pytest.mark.weight(2)
@pytest.mark.skill("responses")
def test_like_adds_one_and_is_visible_in_the_detail(client):
    """POST /api/posts/<pk>/like/ answers {"id", "likes"} with one more like, also in the detail."""
    before = _json(client.get("/api/posts/1/"))["likes"]
    body = _json(client.post("/api/posts/1/like/"))
    assert body == {"id": 1, "likes": before + 1}, f"step 1: after one like, {body!r}"
    body = _json(client.post("/api/posts/1/like/"))
    assert body == {"id": 1, "likes": before + 2}, f"step 2: after a second like, {body!r}"
    detail = _json(client.get("/api/posts/1/"))["likes"]
    assert detail == before + 2, f"step 3: the detail shows {detail} likes, not {before + 2}"


@pytest.mark.requirement("R11")
@pytest.mark.weight(1)
@pytest.mark.skill("responses")
def test_likes_are_counted_per_post(client):
    """A like on one post does not change another post's count."""
    before = _json(client.get("/api/posts/3/"))["likes"]
    _json(client.post("/api/posts/5/like/"))
    after = _json(client.get("/api/posts/3/"))["likes"]
    assert after == before, f"liking post 5 changed post 3's likes from {before} to {after}"


@pytest.mark.requirement("R16")
@pytest.mark.weight(2)
@pytest.mark.skill("errors")
def test_like_requires_post(client):
    """GET on the like URL is 405 with an Allow header naming POST (require_POST)."""
    resp = client.get("/api/posts/1/like/")
    assert resp.status_code == 405, f"GET /api/posts/1/like/ answered {resp.status}"
    allowed = {m.strip().upper() for m in (resp.headers.get("Allow") or "").split(",")}
    assert "POST" in allowed and "GET" not in allowed, (
        f"the Allow header must name POST (not GET), got {allowed or 'none'}"
    )


@pytest.mark.requirement("R16")
@pytest.mark.weight(1)
@pytest.mark.skill("errors")
def test_api_read_endpoints_refuse_writes(client):
    """PUT and DELETE on the JSON read endpoints answer 405."""
    for method, path in (
        ("PUT", "/api/posts/1/"),
        ("DELETE", "/api/posts/1/"),
        ("POST", "/api/posts/"),
    ):
        resp = client.open(path, method=method)
        assert resp.status_code == 405, f"{method} {path} answered {resp.status}, expected 405"


@pytest.mark.requirement("R11")
@pytest.mark.weight(1)
@pytest.mark.skill("errors")
def test_like_on_an_unknown_post_is_404(client):
    """Liking an unknown post is 404."""
    ok = client.post("/api/posts/3/like/")
    assert ok.status_code == 200, (
        f"step 1: POST /api/posts/3/like/ answered {ok.status}, expected 200: without the "
        "route, a 404 proves nothing"
    )
    resp = client.post("/api/posts/999/like/")
    assert resp.status_code == 404, f"POST /api/posts/999/like/ answered {resp.status}"


@pytest.mark.requirement("R11")
@pytest.mark.weight(2)
@pytest.mark.skill("errors")
def test_like_on_a_draft_is_404(client):
    """Liking a draft is 404."""
    ok = client.post("/api/posts/3/like/")
    assert ok.status_code == 200, (
        f"step 1: POST /api/posts/3/like/ answered {ok.status}, expected 200: without the "
        "route, a 404 proves nothing"
    )
    resp = client.post("/api/posts/4/like/")
    assert resp.status_code == 404, f"POST /api/posts/4/like/ (a draft) answered {resp.status}"
