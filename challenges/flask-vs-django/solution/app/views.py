"""Blog views: the Flask counterparts of blog/views.py."""

from __future__ import annotations

import threading
from collections import Counter

from flask import Blueprint, abort, redirect, render_template, request, url_for

from .data import POSTS

bp = Blueprint("blog", __name__)

LIKES: Counter[int] = Counter()
_likes_lock = threading.Lock()


def _published() -> list[dict]:
    return [post for post in POSTS if post["published"]]


def _get_post(**lookup) -> dict:
    """Return the published post matching every field, or answer 404 (Django's Http404)."""
    for post in _published():
        if all(post[key] == value for key, value in lookup.items()):
            return post
    abort(404, description="No such post")


def _summary(post: dict) -> dict:
    return {key: post[key] for key in ("id", "slug", "title", "year")}


@bp.get("/posts/")
def post_list():
    """List every published post."""
    return render_template("blog/post_list.html", heading="All posts", posts=_published())


@bp.get("/posts/<int:year>/")
def year_archive(year: int):
    """List the posts of one year; 404 if there are none."""
    posts = [post for post in _published() if post["year"] == year]
    if not posts:
        abort(404, description=f"No posts in {year}")
    return render_template("blog/post_list.html", heading=f"Posts from {year}", posts=posts)


@bp.get("/posts/<slug:slug>/")
def post_detail(slug: str):
    """Show one published post."""
    return render_template("blog/post_detail.html", post=_get_post(slug=slug))


@bp.get("/tags/<slug:tag>/")
def tag_list(tag: str):
    """List the posts with a tag; 404 if there are none."""
    posts = [post for post in _published() if tag in post["tags"]]
    if not posts:
        abort(404, description=f"No posts tagged {tag}")
    return render_template("blog/post_list.html", heading=f"Posts tagged {tag}", posts=posts)


@bp.get("/p/<int:pk>/")
def short_link(pk: int):
    """Redirect a short link to the post's page (302, like Django's redirect())."""
    post = _get_post(id=pk)
    return redirect(url_for("blog.post_detail", slug=post["slug"]))


@bp.get("/api/posts/")
def api_post_list():
    """List published posts as JSON, optionally only those of ?year=."""
    posts = _published()
    year = request.args.get("year")
    if year is not None:
        # Not request.args.get("year", type=int): that silently ignores a bad value.
        try:
            year = int(year)
        except ValueError:
            return {"error": "year must be an integer"}, 400
        posts = [post for post in posts if post["year"] == year]
    return {"posts": [_summary(post) for post in posts]}


@bp.get("/api/posts/<int:pk>/")
def api_post_detail(pk: int):
    """Return one published post as JSON, with its like count."""
    post = _get_post(id=pk)
    return {**_summary(post), "tags": post["tags"], "likes": LIKES[pk]}


@bp.post("/api/posts/<int:pk>/like/")
def api_like(pk: int):
    """Add a like to a published post and return the new count."""
    _get_post(id=pk)
    with _likes_lock:
        LIKES[pk] += 1
        likes = LIKES[pk]
    return {"id": pk, "likes": likes}
