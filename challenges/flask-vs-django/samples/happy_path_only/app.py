from flask import Flask, jsonify, redirect, render_template, request

from data import POSTS

likes = {}


def create_app():
    app = Flask(__name__)

    @app.route("/")
    def home():
        return redirect("/posts/")

    @app.route("/posts/")
    def post_list():
        posts = [p for p in POSTS if p["published"]]
        return render_template("post_list.html", heading="All posts", posts=posts)

    @app.route("/posts/<int:year>/")
    def year_archive(year):
        posts = [p for p in POSTS if p["published"] and p["year"] == year]
        return render_template("post_list.html", heading=f"Posts from {year}", posts=posts)

    @app.route("/posts/<slug>/")
    def post_detail(slug):
        post = [p for p in POSTS if p["slug"] == slug][0]
        return render_template("post_detail.html", post=post)

    @app.route("/tags/<tag>/")
    def tag_list(tag):
        posts = [p for p in POSTS if p["published"] and tag in p["tags"]]
        return render_template("post_list.html", heading=f"Posts tagged {tag}", posts=posts)

    @app.route("/p/<int:pk>/")
    def short_link(pk):
        post = [p for p in POSTS if p["id"] == pk][0]
        return redirect(f"/posts/{post['slug']}/")

    @app.route("/blog/<slug>/")
    def old_url(slug):
        return redirect(f"/posts/{slug}/")

    @app.route("/api/posts/")
    def api_post_list():
        posts = [p for p in POSTS if p["published"]]
        if request.args.get("year"):
            posts = [p for p in posts if p["year"] == int(request.args["year"])]
        return jsonify({"posts": [
            {"id": p["id"], "slug": p["slug"], "title": p["title"], "year": p["year"]}
            for p in posts
        ]})

    @app.route("/api/posts/<int:pk>/")
    def api_post_detail(pk):
        p = [p for p in POSTS if p["id"] == pk][0]
        return jsonify({"id": p["id"], "slug": p["slug"], "title": p["title"],
                        "year": p["year"], "tags": p["tags"], "likes": likes.get(pk, 0)})

    @app.route("/api/posts/<int:pk>/like/", methods=["GET", "POST"])
    def api_like(pk):
        likes[pk] = likes.get(pk, 0) + 1
        return jsonify({"id": pk, "likes": likes[pk]})

    return app
