"""Statements from uploaded challenges are sanitised before they reach a page."""

from __future__ import annotations

import pytest
from flask import Flask

HOSTILE = """\
# Routing

<script>alert("statement")</script>
<img src="x.png" onerror="alert('img')">
[click](javascript:alert('link'))
<a href="https://example.com/docs" target="_blank">docs</a>
<iframe src="https://evil.example"></iframe>

| method | path |
| --- | --- |
| `GET` | `/projects/` |

```python
print("<b>code stays text</b>")
```
"""


@pytest.fixture
def rendered(app: Flask) -> str:
    return str(app.jinja_env.filters["markdown"](HOSTILE))


@pytest.mark.parametrize("banned", ["<script", "onerror", "javascript:", "<iframe"])
def test_active_content_is_removed(rendered: str, banned: str) -> None:
    assert banned not in rendered


def test_the_statements_own_markup_survives(rendered: str) -> None:
    assert "<h1>Routing</h1>" in rendered
    assert "<table>" in rendered and "<code>/projects/</code>" in rendered
    assert "&lt;b&gt;code stays text&lt;/b&gt;" in rendered
    assert '<a href="https://example.com/docs" rel="noopener noreferrer nofollow">' in rendered
