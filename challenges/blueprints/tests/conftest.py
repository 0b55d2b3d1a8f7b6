"""Helpers for the blueprints suite: the admin token, unique products, HTML and JSON checks.

The app is one process for the whole (shuffled) suite and its catalogue only grows, so every
test that adds a product gives it a unique slug and name. Nothing here imports the submission.
"""

from __future__ import annotations

import re
import uuid
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest

FOOTER = re.compile(r"<footer[^>]*>\s*Acme Tea Co\.\s*</footer>")


def unique(prefix: str = "tea") -> str:
    """A slug nobody else uses: lowercase letters and digits joined by hyphens."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def h1(text: str, title: str) -> bool:
    """Whether the page has <h1>title</h1> (attributes and spaces allowed)."""
    return re.search(rf"<h1[^>]*>\s*{re.escape(title)}\s*</h1>", text) is not None


def href(path: str) -> str:
    return f'href="{path}"'


def path_of(location: str | None) -> str:
    """The path of a Location header, absolute or relative."""
    return urlsplit(location or "").path


def assert_html(resp, status: int, what: str) -> None:
    assert resp.status_code == status, f"{what} answered {resp.status}, expected {status}"
    assert resp.mimetype == "text/html", f"{what} must be an HTML page, got {resp.content_type!r}"


def assert_layout(resp, what: str) -> None:
    assert FOOTER.search(resp.text), f"{what} does not extend base.html (no <footer>Acme Tea Co.)"


def assert_json_error(resp, status: int, what: str) -> None:
    assert resp.status_code == status, f"{what} answered {resp.status}, expected {status}"
    assert resp.mimetype == "application/json", (
        f"{what}: errors under /api/v1 must be JSON, got {resp.content_type!r}"
    )
    body = resp.get_json()
    assert isinstance(body, dict) and isinstance(body.get("error"), str), (
        f'{what}: API errors must be {{"error": "<message>"}}, got {resp.text[:100]!r}'
    )


class Admin:
    """The back office, spoken to with the configured token."""

    def __init__(self, client, token: str) -> None:
        self.client = client
        self.token = token
        self.headers = {"X-Admin-Token": token}

    def post_product(self, name: str, slug: str, price: str):
        return self.client.post(
            "/admin/products",
            data={"name": name, "slug": slug, "price": price},
            headers=self.headers,
        )

    def create(self, name: str, price: str = "4.20", *, slug: str | None = None, step: str):
        """Add a product as a setup step and return its slug.

        Any success (a 303, but also a 302 or a 200) will do here: the 303 has its own test,
        and a test that only needs a product must not fail on the redirect's status code.
        """
        slug = slug or unique()
        resp = self.post_product(name, slug, price)
        assert resp.status_code in (200, 201, 302, 303), (
            f"{step}: POST /admin/products with a valid form ({name!r}, {slug!r}, {price!r}) "
            f"answered {resp.status}"
        )
        return slug

    def places_showing(self, slug: str) -> list[str]:
        """Where a product with this slug shows: the dashboard, its shop page, its API resource.

        For "nothing was stored" checks that must not depend on any one page working: a page
        that is broken shows nothing, the others still tell.
        """
        found = []
        page = self.client.get("/admin/", headers=self.headers)
        if page.status_code == 200 and slug in page.text:
            found.append("GET /admin/")
        for path in (f"/shop/products/{slug}", f"/api/v1/products/{slug}"):
            if self.client.get(path).status_code == 200:
                found.append(f"GET {path}")
        return found

    def dashboard(self, step: str) -> str:
        """GET /admin/ with the token; check it is a 200 HTML page and return its text."""
        resp = self.client.get("/admin/", headers=self.headers)
        assert_html(resp, 200, f"{step}: GET /admin/ with the token")
        return resp.text


@pytest.fixture
def token(app_env) -> str:
    return app_env["FLASK_ADMIN_TOKEN"]


@pytest.fixture
def admin(client, token) -> Admin:
    return Admin(client, token)


@pytest.fixture
def web() -> SimpleNamespace:
    """The helpers above, for tests."""
    return SimpleNamespace(
        unique=unique,
        h1=h1,
        href=href,
        path_of=path_of,
        assert_html=assert_html,
        assert_layout=assert_layout,
        assert_json_error=assert_json_error,
    )
