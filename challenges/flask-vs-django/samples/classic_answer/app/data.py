"""The blog's posts (kept in code for this exercise; a real blog would use a database)."""

POSTS = [
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
