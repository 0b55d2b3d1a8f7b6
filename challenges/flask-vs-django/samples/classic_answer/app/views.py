"""Blog views: the Flask counterparts of blog/views.py."""

import threading
from collections import Counter

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for

from .data import POSTS

bp = Blueprint("blog", __name__)

LIKES = Counter()
_likes_lock = threading.Lock()


def _published():
    return [post for post in POSTS if post["published"]]


def get_post_or_404(**lookup):
    # Django's get_object_or_404 / Http404 -> abort(404)
    for post in _published():
        if all(post[key] == value for key, value in lookup.items()):
            return post
    abort(404)


def _summary(post):
    return {key: post[key] for key in ("id", "slug", "title", "year")}


@bp.route("/posts/")
def post_list():
    return render_template("blog/post_list.html", heading="All posts", posts=_published())


@bp.route("/posts/<int:year>/")
def year_archive(year):
    posts = [post for post in _published() if post["year"] == year]
    if not posts:
        abort(404)
    return render_template("blog/post_list.html", heading=f"Posts from {year}", posts=posts)


@bp.route("/posts/<slug:slug>/")
def post_detail(slug):
    return render_template("blog/post_detail.html", post=get_post_or_404(slug=slug))


@bp.route("/tags/<slug:tag>/")
def tag_list(tag):
    posts = [post for post in _published() if tag in post["tags"]]
    if not posts:
        abort(404)
    return render_template("blog/post_list.html", heading=f"Posts tagged {tag}", posts=posts)


@bp.route("/p/<int:pk>/")
def short_link(pk):
    post = get_post_or_404(id=pk)
    return redirect(url_for("blog.post_detail", slug=post["slug"]))


@bp.route("/api/posts/")
def api_post_list():
    posts = _published()
    # request.GET.get("year") -> request.args.get; type=int does the conversion for us
    year = request.args.get("year", type=int)
    if year is not None:
        posts = [post for post in posts if post["year"] == year]
    return jsonify(posts=[_summary(post) for post in posts])


@bp.route("/api/posts/<int:pk>/")
def api_post_detail(pk):
    post = get_post_or_404(id=pk)
    return jsonify({**_summary(post), "tags": post["tags"], "likes": LIKES[pk]})


@bp.route("/api/posts/<int:pk>/like/", methods=["POST"])
def api_like(pk):
    get_post_or_404(id=pk)
    with _likes_lock:
        LIKES[pk] += 1
        likes = LIKES[pk]
    return jsonify(id=pk, likes=likes)
