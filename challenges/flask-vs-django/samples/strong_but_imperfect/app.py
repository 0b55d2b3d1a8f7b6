import threading
from collections import Counter

from flask import Flask, abort, redirect, render_template, request, url_for
from werkzeug.routing import BaseConverter

from data import POSTS


class SlugConverter(BaseConverter):
    # same as Django's slug
    regex = r"[\w-]+"


likes = Counter()
likes_lock = threading.Lock()


def published():
    return [p for p in POSTS if p["published"]]


def get_post_or_404(**lookup):
    for post in published():
        if all(post[k] == v for k, v in lookup.items()):
            return post
    abort(404)


def summary(post):
    return {"id": post["id"], "slug": post["slug"], "title": post["title"], "year": post["year"]}


def create_app():
    app = Flask(__name__)
    app.url_map.converters["slug"] = SlugConverter

    @app.route("/")
    def index():
        return redirect(url_for("post_list"))

    @app.route("/posts/")
    def post_list():
        return render_template("post_list.html", heading="All posts", posts=published())

    @app.route("/posts/<int:year>/")
    def year_archive(year):
        posts = [p for p in published() if p["year"] == year]
        if not posts:
            abort(404)
        return render_template("post_list.html", heading=f"Posts from {year}", posts=posts)

    @app.route("/posts/<slug:slug>/")
    def post_detail(slug):
        return render_template("post_detail.html", post=get_post_or_404(slug=slug))

    @app.route("/tags/<slug:tag>/")
    def tag_list(tag):
        posts = [p for p in published() if tag in p["tags"]]
        if not posts:
            abort(404)
        return render_template("post_list.html", heading=f"Posts tagged {tag}", posts=posts)

    @app.route("/p/<int:pk>/")
    def short_link(pk):
        post = get_post_or_404(id=pk)
        return redirect(url_for("post_detail", slug=post["slug"]))

    @app.route("/blog/<slug:slug>/")
    def legacy(slug):
        return redirect(url_for("post_detail", slug=slug), code=301)

    @app.route("/api/posts/")
    def api_post_list():
        posts = published()
        year = request.args.get("year", type=int)
        if year is not None:
            posts = [p for p in posts if p["year"] == year]
        return {"posts": [summary(p) for p in posts]}

    @app.route("/api/posts/<int:pk>/")
    def api_post_detail(pk):
        post = get_post_or_404(id=pk)
        return {**summary(post), "tags": post["tags"], "likes": likes[pk]}

    @app.route("/api/posts/<int:pk>/like/", methods=["POST"])
    def api_like(pk):
        get_post_or_404(id=pk)
        with likes_lock:
            likes[pk] += 1
            count = likes[pk]
        return {"id": pk, "likes": count}

    return app
