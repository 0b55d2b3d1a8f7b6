"""Blog views: the Flask counterparts of blog/views.py."""

from flask import Blueprint, render_template

from .data import POSTS

bp = Blueprint("blog", __name__)


def _published():
    return [post for post in POSTS if post["published"]]


@bp.get("/posts/")
def post_list():
    """List every published post (ported from Django's post_list, as an example)."""
    return render_template("blog/post_list.html", heading="All posts", posts=_published())


# TODO: year_archive   GET /posts/<int:year>/
# TODO: post_detail    GET /posts/<slug:slug>/
# TODO: tag_list       GET /tags/<slug:tag>/
# TODO: short_link     GET /p/<int:pk>/
# TODO: api_post_list, api_post_detail, api_like   under /api/posts/
