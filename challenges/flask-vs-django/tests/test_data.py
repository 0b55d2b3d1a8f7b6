"""Hidden suite for flask-vs-django: the posts' data is handed in unchanged."""

from __future__ import annotations

import ast

import pytest

EXPECTED_POSTS = [
    {
        "id": 1,
        "slug": "hello-world",
        "title": "Hello, world",
        "year": 2023,
        "tags": ["news"],
        "body": "First post on the new blog.",
        "published": True,
    },
    {
        "id": 2,
        "slug": "flask-vs-django",
        "title": "Flask vs Django",
        "year": 2024,
        "tags": ["python", "web"],
        "body": "One is a micro-framework, the other comes with batteries included.",
        "published": True,
    },
    {
        "id": 3,
        "slug": "2024-review",
        "title": "2024 in review",
        "year": 2024,
        "tags": ["news"],
        "body": "What we shipped this year.",
        "published": True,
    },
    {
        "id": 4,
        "slug": "draft-ideas",
        "title": "Draft: ideas",
        "year": 2024,
        "tags": ["python"],
        "body": "Not ready yet.",
        "published": False,
    },
    {
        "id": 5,
        "slug": "tips_and_tricks",
        "title": "Tips & tricks for <templates>",
        "year": 2025,
        "tags": ["python", "templates"],
        "body": "Autoescaping is on; |safe turns it off.",
        "published": True,
    },
]


def _posts_in(module: ast.Module):
    """Return the literal value assigned to POSTS in a module, or None."""
    for node in module.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "POSTS" for target in node.targets
        ):
            try:
                return ast.literal_eval(node.value)
            except ValueError:
                return None
    return None


@pytest.mark.requirement("R18")
@pytest.mark.weight(1)
@pytest.mark.skill("responses")
def test_posts_data_is_unchanged(source):
    """The submission keeps the posts' data (POSTS in data.py) exactly as handed out."""
    candidates = [path for path in source.python_files() if path.rsplit("/", 1)[-1] == "data.py"]
    assert candidates, "no data.py in the submission: keep the starter's app/data.py"
    found = [_posts_in(source.ast(path)) for path in candidates]
    assert EXPECTED_POSTS in found, (
        f"POSTS in {', '.join(candidates)} is not the data handed out: keep it unchanged"
    )
